/**
 * @packageDocumentation
 * @xenos/xen-driver: The real Xen backend: a HypervisorDriver driving the xl toolstack
 * (Being built; see the open issues.)
 */
export {}

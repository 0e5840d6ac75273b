/**
 * @packageDocumentation
 * @xenos/sim-driver: A simulated Xen cluster: flow-level max-min fair resource model, pre-copy live migration, and a HypervisorDriver per simulated host
 * (Being built; see the open issues.)
 */
export {}

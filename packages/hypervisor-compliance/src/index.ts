/**
 * @packageDocumentation
 * @xenos/hypervisor-compliance: The driver compliance suite: vitest suites every hypervisor backend runs
 * (Being built; see the open issues.)
 */
export {}

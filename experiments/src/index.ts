/**
 * @packageDocumentation
 * @xenos/experiments: The paper's experiments, defined once against a backend-neutral testbed
 * (Being built; see the open issues.)
 */
export {}

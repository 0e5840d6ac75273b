/**
 * @packageDocumentation
 * @xenos/cli: The xenos command: coordinator, API client commands and the experiment runner
 * (Being built; see the open issues.)
 */
export {}

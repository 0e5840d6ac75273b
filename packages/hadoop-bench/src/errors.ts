/**
 * The base of every error @xenos/hadoop-bench throws, and the layout error
 * that both the simulated cluster and the real configuration use. An
 * error's `name` is its class's name (match on `err.name`); its message says
 * what was expected and what was found.
 */

/** Base class of every error @xenos/hadoop-bench throws: sets `name` to the class's own name. */
export class HadoopBenchError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A cluster layout (master, slaves, where each runs) that cannot be used. */
export class LayoutError extends HadoopBenchError {
  constructor (readonly field: string, readonly expected: string, readonly found: string) {
    super(`cluster layout ${field}: expected ${expected}, found ${found}`)
  }
}

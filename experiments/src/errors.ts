/**
 * The base of every error @xenos/experiments throws, and the testbed error
 * its testbeds share. An error's `name` is its class's name (match on
 * `err.name`); its message says what was expected and what was found.
 */

/** Base class of every error @xenos/experiments throws: sets `name` to the class's own name. */
export class ExperimentsError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A testbed, simulated or in the lab, could not do what an experiment asked of it. */
export class TestbedError extends ExperimentsError {}

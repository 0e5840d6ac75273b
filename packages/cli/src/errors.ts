/**
 * Errors of the `xenos` command. All extend `CliError`, whose `name` is the
 * class's own name (match on `err.name`); each message says what was
 * expected and what was found.
 */

/** Base class of every error @xenos/cli throws: sets `name` to the class's own name. */
export class CliError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A command line that cannot be run as given (a flag out of range, a missing file). The command exits 2. */
export class UsageError extends CliError {}

/** A signed list kept in the cluster directory that could not be sent to the running cluster; the message says how to send it. */
export class PublishError extends CliError {}

/** A run that stopped part way; its message says what was kept and how to continue. */
export class RunStoppedError extends CliError {
  constructor (cause: unknown, kept: string) {
    super(`${cause instanceof Error ? cause.message : String(cause)}\n  ${kept}`, { cause })
  }
}

/**
 * Errors of the generic deployer. Each says what was expected and what was
 * found; all extend `DeployerError`, whose `name` is the class's own name
 * (match on `err.name`).
 */

/** Base class of every error @xenos/deployer throws: sets `name` to the class's own name. */
export class DeployerError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The deployment cannot be planned (nothing was made). */
export class DeploymentPlanError extends DeployerError {
  constructor (readonly deployment: string, readonly expected: string, readonly found: string) {
    super(`deployment ${deployment}: expected ${expected}, found ${found}`)
  }
}

/**
 * A search did not hear from every host: the deployer cannot know what
 * exists there, so it stops rather than risk duplicates or missed teardown.
 */
export class IncompleteSearchError extends DeployerError {
  constructor (readonly deployment: string, readonly query: string, readonly nonResponders: readonly string[]) {
    super(`deployment ${deployment}: expected every host to answer the search "${query}", found no answer from ${nonResponders.join(', ')}`)
  }
}

/** What a failed step had already made (kept, so a re-run continues and `teardown` removes it). */
export interface MadeSoFar {
  /** Instances created by this run. */
  created: string[]
  /** Hosts the template was replicated to by this run. */
  replicatedTo: string[]
}

/** A step failed part way; names the step, the host and slot, the cause, and what was made so far. */
export class DeploymentStepError extends DeployerError {
  constructor (
    readonly deployment: string,
    readonly step: 'replicate' | 'create' | 'start' | 'wait' | 'destroy',
    readonly host: string,
    readonly slot: number | undefined,
    override readonly cause: unknown,
    readonly made: MadeSoFar,
    /** Other steps that failed in the same run (in flight when the first failed). */
    readonly alsoFailed: readonly string[] = []
  ) {
    const where = slot === undefined ? host : `${host} slot ${slot}`
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
    super(`deployment ${deployment}: ${step} on ${where} failed: ${why}`
      + `\n  made so far: ${made.created.length} instance(s) [${made.created.join(', ')}], template replicated to [${made.replicatedTo.join(', ')}]`
      + (alsoFailed.length > 0 ? `\n  also failed: ${alsoFailed.join('; ')}` : '')
      + '\n  run the deployment again to continue, or teardown to remove what it made')
  }
}

/** An instance did not reach `running` in time. */
export class DeploymentTimeoutError extends DeployerError {
  constructor (readonly serviceId: string, readonly timeoutS: number, readonly lastState: string) {
    super(`service ${serviceId}: expected state running within ${timeoutS} s, found ${lastState}`)
  }
}

/** A host whose API the deployer must call (replicate, create) has no record advertising its URL. */
export class HostApiNotFoundError extends DeployerError {
  constructor (readonly host: string, readonly found: string) {
    super(`host ${host}: expected a host record advertising its API URL, found ${found}`)
  }
}

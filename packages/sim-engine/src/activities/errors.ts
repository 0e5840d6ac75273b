import { EngineArgumentError, SimEngineError } from '../engine/errors.js'

/** An activity failed because a resource it used failed (host crash, link cut, domain gone). */
export class ActivityFailedError extends SimEngineError {
  constructor (readonly activityId: number, readonly kind: string, readonly reason: string) {
    super(`expected ${kind} activity #${activityId} to finish, found it failed: ${reason}`)
  }
}

/** An activity was canceled before it finished. */
export class ActivityCanceledError extends SimEngineError {
  constructor (readonly activityId: number, readonly kind: string) {
    super(`expected ${kind} activity #${activityId} to finish, found it canceled`)
  }
}

/** An activity method was called in a state that does not allow it (for example `start()` twice). */
export class ActivityStateError extends SimEngineError {
  constructor (readonly activityId: number, readonly operation: string, readonly expected: string, readonly found: string) {
    super(`${operation} activity #${activityId}: expected state ${expected}, found ${found}`)
  }
}

/** An `EngineArgumentError` of an activity factory (`exec`, `io`, `comm`, `sleep`). */
export class ActivityArgumentError extends EngineArgumentError {}

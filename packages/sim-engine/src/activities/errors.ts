/** An activity failed because a resource it used failed (host crash, link cut, domain gone). */
export class ActivityFailedError extends Error {
  constructor (readonly activityId: number, readonly kind: string, readonly reason: string) {
    super(`expected ${kind} activity #${activityId} to finish, found it failed: ${reason}`)
    this.name = 'ActivityFailedError'
  }
}

/** An activity was canceled before it finished. */
export class ActivityCanceledError extends Error {
  constructor (readonly activityId: number, readonly kind: string) {
    super(`expected ${kind} activity #${activityId} to finish, found it canceled`)
    this.name = 'ActivityCanceledError'
  }
}

/** An activity method was called in a state that does not allow it (for example `start()` twice). */
export class ActivityStateError extends Error {
  constructor (readonly activityId: number, readonly operation: string, readonly expected: string, readonly found: string) {
    super(`${operation} activity #${activityId}: expected state ${expected}, found ${found}`)
    this.name = 'ActivityStateError'
  }
}

/** A bad argument to an activity factory (`exec`, `io`, `comm`, `sleep`). */
export class ActivityArgumentError extends Error {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown) {
    super(`${field}: expected ${expected}, found ${typeof found === 'string' ? JSON.stringify(found) : String(found)}`)
    this.name = 'ActivityArgumentError'
  }
}

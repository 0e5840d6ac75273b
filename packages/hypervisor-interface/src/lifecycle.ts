import type { DomainState } from './domain.js'
import { InvalidStateError } from './errors.js'

/** The life-cycle operations of the contract. */
export type LifecycleOperation = 'start' | 'pause' | 'unpause' | 'shutdown' | 'destroy' | 'save' | 'migrate' | 'remove'

/** What an operation does from each state: the new state, `noop`, or absent (invalid). */
export const LIFECYCLE: Readonly<Record<LifecycleOperation, Partial<Record<DomainState, DomainState | 'noop'>>>> = {
  start: { stopped: 'running', crashed: 'running' },
  pause: { running: 'paused', paused: 'noop' },
  unpause: { paused: 'running', running: 'noop' },
  shutdown: { running: 'stopped', paused: 'stopped', crashed: 'stopped', stopped: 'noop' },
  destroy: { running: 'stopped', paused: 'stopped', crashed: 'stopped', stopped: 'noop' },
  save: { running: 'stopped', paused: 'stopped' },
  migrate: { running: 'running', paused: 'paused' },
  remove: { stopped: 'noop', crashed: 'noop' }
}

/**
 * The state `operation` leads to from `state`, or `'noop'`; throws
 * `InvalidStateError` (naming the states that would have been valid) when
 * the operation is not allowed from `state`.
 */
export function transition (domain: string, operation: LifecycleOperation, state: DomainState): DomainState | 'noop' {
  const next = LIFECYCLE[operation][state]
  if (next === undefined) {
    throw new InvalidStateError(domain, operation, Object.keys(LIFECYCLE[operation]), state)
  }
  return next
}

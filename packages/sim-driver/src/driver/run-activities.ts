/**
 * Start engine activities together and await them all as simulated work
 * (the clock is let go meanwhile, see `control-plane.ts`). If one fails,
 * the others are canceled and the failure is thrown. With a timeout on the
 * engine clock, returns false (and cancels the work) when it runs out.
 */
import { ActivityCanceledError, type Activity, type Engine } from '@xenos/sim-engine'
import type { Cancelable, Operation } from './control-plane.js'

export interface RunOptions {
  /** Give up after this many simulated seconds; needs `engine`. */
  timeoutS?: number
  engine?: Engine
  /** The work never finishes by itself (only the timeout ends the wait). */
  never?: boolean
  /** Activities in flight are kept here, so that an abort can cancel them. */
  inflight?: Set<Activity>
}

function cancelAll (activities: readonly Activity[]): void {
  for (const a of activities) {
    if (a.state === 'created' || a.state === 'started') a.cancel()
  }
}

/**
 * One activity, no timeout: `runActivities(op, [activity])` without an async frame and with
 * one promise in flight instead of four (what a boot of hundreds of thousands of domains at
 * once holds while they boot).
 */
export function runActivity (op: Operation, activity: Activity): Promise<void> {
  try {
    if (activity.state === 'created') activity.start()
  } catch (err) {
    return Promise.reject(err as Error)
  }
  op.inflight.add(activity)
  return op.sim(activity.wait()).then(() => { op.inflight.delete(activity) }, (err: unknown) => {
    cancelAll([activity])
    op.inflight.delete(activity)
    throw err
  })
}

/** True when all finished; false when the timeout ran out first. */
export async function runActivities (op: Operation, activities: readonly Activity[], options: RunOptions = {}): Promise<boolean> {
  for (const a of activities) {
    if (a.state === 'created') a.start()
    options.inflight?.add(a)
    op.inflight.add(a)
  }
  const all = Promise.all(activities.map(async (a) => { await a.wait() }))
  try {
    if (options.timeoutS === undefined) {
      await op.sim(all)
      return true
    }
    const engine = options.engine
    if (engine === undefined) throw new RangeError('runActivities: expected an engine with timeoutS, found none')
    let fire!: () => void
    let stop!: (err: Error) => void
    const timedOut = new Promise<'timeout'>((resolve, reject) => { fire = () => { resolve('timeout') }; stop = reject })
    const timer = engine.schedule(options.timeoutS, fire, 'timeout')
    // The wait itself can be canceled (the cluster closing), like an activity.
    const waiting: Cancelable = { cancel: () => { stop(new ActivityCanceledError(-1, 'sleep')) } }
    op.inflight.add(waiting)
    const work = options.never === true ? new Promise<never>(() => undefined) : all.then(() => 'done' as const)
    const winner = await op.sim(Promise.race([work, timedOut])).finally(() => { op.inflight.delete(waiting) })
    timer.cancel()
    if (winner === 'timeout') {
      cancelAll(activities)
      return false
    }
    return true
  } catch (err) {
    cancelAll(activities)
    throw err
  } finally {
    for (const a of activities) {
      options.inflight?.delete(a)
      op.inflight.delete(a)
    }
  }
}

import { ActivityBase, type ActivityHost } from './activity.js'
import { ActivityArgumentError } from './errors.js'

interface SleepEngine extends ActivityHost {
  schedule (delayS: number, fn: () => void, label?: string): { cancel (): void }
}

/** Simulated time passing, as an activity (cancelable, awaitable). */
export class SleepActivity extends ActivityBase {
  private timer: { cancel (): void } | undefined
  private endS = 0

  constructor (private readonly engine: SleepEngine, id: number, private readonly durationS: number) {
    if (!(durationS >= 0) || !Number.isFinite(durationS)) throw new ActivityArgumentError('sleep.durationS', 'a finite number >= 0', durationS)
    super(engine, id, 'sleep')
  }

  protected describe (): string { return `sleep durationS=${this.durationS}` }

  remaining (): number {
    if (this.state === 'created') return this.durationS
    if (this.state !== 'started') return this.state === 'finished' ? 0 : Math.max(0, this.endS - (this.finishedAtS ?? 0))
    return Math.max(0, this.endS - this.engine.nowS())
  }

  protected onStart (): void {
    this.endS = this.engine.nowS() + this.durationS
    this.timer = this.engine.schedule(this.durationS, () => { this.timer = undefined; this.complete() })
  }

  protected onStop (): void {
    this.timer?.cancel()
    this.timer = undefined
  }
}

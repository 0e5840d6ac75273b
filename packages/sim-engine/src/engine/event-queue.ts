/**
 * The engine's event queue: a binary min-heap of timed events.
 *
 * Order (the documented, deterministic tie-break): by `timeS`, then by `seq`,
 * a counter incremented on every insertion. Two events at the same simulated
 * time therefore run in the order they were scheduled (FIFO). Canceled events
 * stay in the heap and are skipped when they reach the top (lazy deletion),
 * which keeps cancel O(1).
 */

/** One scheduled callback. */
export interface QueuedEvent {
  /** Simulated time at which it runs, in seconds since simulation start. */
  readonly timeS: number
  /** Insertion sequence number: the tie-break among equal times. */
  readonly seq: number
  readonly fn: (this: unknown) => void
  /** What `fn` is called on (`run`). */
  readonly self: unknown
  readonly label: string | undefined
  canceled: boolean
  /** Call `fn` on `self`. */
  run (): void
  /** Cancel it in its queue (no-op once it ran or was canceled): the event is its own timer handle. */
  cancel (): void
}

class TimedEvent implements QueuedEvent {
  // Fields assigned in the constructor, not declared as class fields (see `ActivityBase`).
  private declare readonly queue: EventQueue
  declare readonly timeS: number
  declare readonly seq: number
  declare readonly fn: (this: unknown) => void
  declare readonly label: string | undefined
  declare readonly self: unknown
  declare canceled: boolean

  constructor (queue: EventQueue, timeS: number, seq: number, fn: (this: unknown) => void, label: string | undefined, self: unknown) {
    this.queue = queue
    this.timeS = timeS
    this.seq = seq
    this.fn = fn
    this.label = label
    this.self = self
    this.canceled = false
  }

  cancel (): void { this.queue.cancel(this) }

  run (): void { this.fn.call(this.self) }
}

function before (a: QueuedEvent, b: QueuedEvent): boolean {
  return a.timeS < b.timeS || (a.timeS === b.timeS && a.seq < b.seq)
}

export class EventQueue {
  private readonly heap: QueuedEvent[] = []
  private nextSeq = 0
  private live = 0

  /** Events not canceled and not yet run. */
  get size (): number { return this.live }

  /** Queue `fn` at `timeS`, to be called on `self` (a method and its object need no closure). */
  push<T> (timeS: number, fn: (this: T) => void, label: string | undefined, self?: T): QueuedEvent {
    const ev: QueuedEvent = new TimedEvent(this, timeS, this.nextSeq++, fn as (this: unknown) => void, label, self)
    const heap = this.heap
    let i = heap.length
    heap.push(ev)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent] as QueuedEvent
      if (!before(ev, p)) break
      heap[i] = p
      i = parent
    }
    heap[i] = ev
    this.live++
    return ev
  }

  /** Mark an event canceled; it is dropped when it reaches the top. */
  cancel (ev: QueuedEvent): void {
    if (ev.canceled) return
    ev.canceled = true
    this.live--
  }

  /** Time of the earliest live event, or Infinity. */
  peekTimeS (): number {
    this.dropCanceled()
    // The length first: reading past the end of an empty heap would throw the event loop's
    // optimized code away (V8 compiles `heap[0]` for an index in bounds).
    const heap = this.heap
    return heap.length === 0 ? Infinity : (heap[0] as QueuedEvent).timeS
  }

  /** Remove and return the earliest live event. */
  pop (): QueuedEvent | undefined {
    this.dropCanceled()
    const top = this.removeTop()
    if (top !== undefined) {
      top.canceled = true // a popped event can no longer be canceled
      this.live--
    }
    return top
  }

  private dropCanceled (): void {
    const heap = this.heap
    while (heap.length > 0 && (heap[0] as QueuedEvent).canceled) this.removeTop()
  }

  private removeTop (): QueuedEvent | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0] as QueuedEvent
    const last = heap.pop() as QueuedEvent
    if (heap.length === 0) return top
    const n = heap.length
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      let child = heap[l] as QueuedEvent
      if (r < n) {
        const rc = heap[r] as QueuedEvent
        if (before(rc, child)) { c = r; child = rc }
      }
      if (!before(child, last)) break
      heap[i] = child
      i = c
    }
    heap[i] = last
    return top
  }
}

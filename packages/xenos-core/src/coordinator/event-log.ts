/**
 * The coordinator's event stream: what happened to services, numbered.
 *
 * Each event has a sequence number that grows by one per event within a
 * boot of the coordinator; `bootCount` tells a polling client that the
 * numbering restarted (the coordinator restarted), so it should re-read the
 * state it cares about. The log keeps the last `capacity` events; a client
 * that polls too rarely is told how many it missed.
 */

export type CoordinatorEventKind =
  | 'created' | 'started' | 'stopped' | 'paused' | 'unpaused' | 'destroyed'
  | 'checkpointed' | 'restored' | 'migrating' | 'migrated' | 'migrated-in' | 'failed'
  | 'crashed' | 'vanished' | 'reattached' | 'registered' | 'template-added'
  | 'template-replicated' | 'group-joined' | 'group-left' | 'group-message' | 'config-error'
  | 'host-failed' | 'host-back' | 'host-left' | 'policy-set'
  | 'guarded' | 'taken-over' | 'stale-discarded' | 'fenced' | 'unfenced'

export interface CoordinatorEvent {
  seq: number
  bootCount: number
  kind: CoordinatorEventKind
  /** Host that emitted it. */
  host: string
  /** Service id, when about a service. */
  serviceId?: string
  /** Template or group name, or another host's name (host-failed, host-back, host-left), when about one. */
  subject?: string
  /** Wall-clock time, ISO 8601, from the injected clock. */
  at: string
  /** Free-form detail for humans (error messages, target host). */
  detail?: string
}

export interface EventPage {
  bootCount: number
  events: CoordinatorEvent[]
  /** Pass this as `sinceSeq` next time. */
  nextSeq: number
  /** Events after `sinceSeq` that were already dropped from the log. */
  missed: number
}

export type EventListener = (event: CoordinatorEvent) => void

export interface EventLog {
  emit (event: Omit<CoordinatorEvent, 'seq' | 'bootCount' | 'at' | 'host'>): CoordinatorEvent
  /** Events with `seq > sinceSeq`, at most `limit`. */
  since (sinceSeq: number, limit?: number): EventPage
  /** Call `listener` on every new event; returns the unsubscribe function. */
  subscribe (listener: EventListener): () => void
}

export function eventLog (
  init: { host: string, capacity?: number }, components: { bootCount: () => number, now: () => Date, onListenerError?: (err: unknown) => void }
): EventLog {
  const capacity = init.capacity ?? 10_000
  const events: CoordinatorEvent[] = []
  const listeners = new Set<EventListener>()
  let seq = 0
  return {
    emit (partial) {
      const event: CoordinatorEvent = { ...partial, seq: ++seq, bootCount: components.bootCount(), host: init.host, at: components.now().toISOString() }
      events.push(event)
      if (events.length > capacity) events.splice(0, events.length - capacity)
      for (const l of listeners) {
        try { l(event) } catch (err) { components.onListenerError?.(err) }
      }
      return event
    },
    since (sinceSeq, limit = 1000) {
      const first = events[0]?.seq ?? seq + 1
      const missed = Math.max(0, first - sinceSeq - 1)
      const out = events.filter(e => e.seq > sinceSeq).slice(0, limit)
      const last = out[out.length - 1]
      return { bootCount: components.bootCount(), events: out, nextSeq: last?.seq ?? Math.max(sinceSeq, 0), missed: Math.min(missed, seq) }
    },
    subscribe (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
}

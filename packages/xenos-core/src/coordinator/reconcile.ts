/**
 * Monitoring: the driver is the truth about domains; the
 * registry follows it. A domain found `crashed` emits `crashed`, one found
 * stopped or running without the coordinator having asked emits `stopped`
 * or `started`, one gone emits `vanished`. Services being migrated are left
 * alone (their lock is held).
 */
import { DomainNotFoundError } from '@xenos/hypervisor-interface'
import type { ServiceContext } from './context.js'
import type { CoordinatorEventKind } from './event-log.js'
import type { ServiceState } from './records.js'
import { adoptOrphans, type IncomingContext } from './migration.js'

const EVENT_OF: Partial<Record<ServiceState, CoordinatorEventKind>> = { crashed: 'crashed', stopped: 'stopped', running: 'started', paused: 'paused' }

/** What reconciling uses: the host and its records, and the incoming migrations it may adopt. */
export type ReconcileContext = ServiceContext & IncomingContext

export async function reconcileStates (ctx: ReconcileContext): Promise<string[]> {
  const changed: string[] = await adoptOrphans(ctx)
  // One listing for all services (cheap on every backend); a service whose state differs is
  // inspected again under its lock, so an operation that finished in between is not misread.
  const listed = new Map((await ctx.driver.listDomains()).map(d => [d.name, d.state]))
  for (const s of ctx.registry.services()) {
    if (s.state === 'migrating' || s.state === 'vanished' || s.destroying === true || listed.get(s.domainName) === s.state) continue
    await ctx.withLock(s.id, async () => {
      const rec = ctx.registry.findService(s.id)
      if (rec === undefined || rec.state === 'migrating' || rec.state === 'vanished' || rec.destroying === true) return
      let state: ServiceState
      try {
        state = (await ctx.driver.inspectDomain(rec.domainName)).state
      } catch (err) {
        if ((err as Error).name !== DomainNotFoundError.name) throw err
        state = 'vanished'
      }
      if (state === rec.state) return
      const lastError = `domain "${rec.domainName}" disappeared from ${ctx.hostname}`
      await ctx.registry.updateService(rec.id, state === 'vanished' ? { state, lastError } : { state })
      const kind = state === 'vanished' ? 'vanished' : EVENT_OF[state] ?? 'failed'
      ctx.events.emit({ kind, serviceId: rec.id, detail: `found ${state}, recorded ${rec.state}` })
      changed.push(rec.id)
    })
  }
  return changed
}

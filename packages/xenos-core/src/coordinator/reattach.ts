/**
 * After a restart: find each registered service's domain again through the
 * driver (`reattach(handle)`), take its current state, and mark the ones
 * whose domain is gone as `vanished`. A service that was `migrating` when
 * the coordinator died is resolved by where its domain is now; one that was
 * being destroyed is destroyed.
 */
import { DomainNotFoundError, type DomainState } from '@xenos/hypervisor-interface'
import type { ServiceContext } from './context.js'
import { finishDestroy } from './service-ops.js'

export interface ReattachSummary {
  reattached: string[]
  vanished: string[]
  /** Services whose destroy was cut short by the restart, now destroyed. */
  destroyed: string[]
}

/** What reattaching uses: the host, its driver, the registry and the event log. */
export type ReattachContext = Pick<ServiceContext, 'hostname' | 'driver' | 'registry' | 'events'>

export async function reattachAll (ctx: ReattachContext): Promise<ReattachSummary> {
  const summary: ReattachSummary = { reattached: [], vanished: [], destroyed: [] }
  const canReattach = ctx.driver.capabilities().reattach
  for (const s of ctx.registry.services()) {
    if (s.destroying === true) {
      await finishDestroy(ctx, s)
      summary.destroyed.push(s.id)
      continue
    }
    let state: DomainState | undefined
    try {
      if (canReattach && s.handle !== undefined) {
        state = (await ctx.driver.reattach(s.handle)).state
      } else {
        state = (await ctx.driver.inspectDomain(s.domainName)).state
      }
    } catch (err) {
      if ((err as Error).name !== DomainNotFoundError.name) throw err
    }
    if (state === undefined) {
      const lastError = `domain "${s.domainName}" was not found on ${ctx.hostname} after a restart`
      await ctx.registry.updateService(s.id, { state: 'vanished', lastError })
      ctx.events.emit({ kind: 'vanished', serviceId: s.id, detail: s.domainName })
      summary.vanished.push(s.id)
    } else {
      await ctx.registry.updateService(s.id, { state })
      ctx.events.emit({ kind: 'reattached', serviceId: s.id, detail: state })
      summary.reattached.push(s.id)
    }
  }
  return summary
}

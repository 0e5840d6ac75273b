/**
 * The coordinator's side of fault tolerance: a service's restart policy.
 * The decisions (who acts for a service whose host failed, when, at which
 * generation) are the failover agent's (`failover/agent.ts`).
 */
import type { ServiceContext } from './context.js'
import type { ServiceRecord } from './records.js'
import { restartPolicy } from '../failover/policy.js'

/**
 * Set (or replace) a service's restart policy: missing fields take their
 * defaults, and the placement must be a host search query. Its generation
 * starts at 1.
 */
export async function setRestartPolicy (
  ctx: Pick<ServiceContext, 'registry' | 'events' | 'withLock'>, idOrName: string, input: unknown
): Promise<ServiceRecord> {
  const policy = restartPolicy(input, 'policy')
  const first = ctx.registry.service(idOrName)
  return await ctx.withLock(first.id, async () => {
    const rec = ctx.registry.service(first.id)
    const updated = await ctx.registry.updateService(rec.id, { restart: policy, generation: rec.generation ?? 1 })
    const where = policy.placement === '' ? 'any host' : policy.placement
    const detail = policy.mode === 'resume'
      ? `resume, every ${policy.checkpointIntervalS} s, ${policy.replicas} replicas, on ${where}`
      : `${policy.mode}, on ${where}`
    ctx.events.emit({ kind: 'policy-set', serviceId: rec.id, detail })
    return updated
  })
}

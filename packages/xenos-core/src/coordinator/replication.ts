/**
 * Replication of templates: a host that lacks a template
 * finds holders through a host search (or is told them), asks one for the
 * template record, then fetches each image through the `ImageFetcher`
 * (chunked from several holders, or the paper's whole copy then local copy).
 * A failure removes the images fetched so far, registers nothing and leaves
 * a `failed` event. When no host that answered holds the template but some
 * hosts did not answer, the error (503) names them and why: the template may
 * be on one of them.
 */
import { undo, type ServiceContext } from './context.js'
import { InvalidArgumentError, PeerError, TemplateNotFoundError, UnreachableHostsError } from './errors.js'
import type { ImageFetcher, PeerNetwork, ReplicationMethod } from './ports.js'
import type { HostRecord, TemplateRecord } from './records.js'

/** What replicating templates uses: the host and its records, searches and calls to the holders, and the image fetcher. */
export interface ReplicationContext extends ServiceContext {
  readonly network: Pick<PeerNetwork, 'search' | 'call'> | undefined
  readonly fetcher: ImageFetcher | undefined
  readonly options: {
    readonly replicationMethod: ReplicationMethod
    /** Deadline of the search for holders, in ms. */
    readonly searchDeadlineMs: number
  }
}

export interface ReplicateOptions {
  /** Host names to pull from; found by a host search when omitted. */
  fromPeers?: string[]
  /** @default the coordinator's `replicationMethod` ('chunked') */
  method?: ReplicationMethod
}

export interface ReplicateResult {
  template: TemplateRecord
  /** True when the template was already here (nothing was fetched). */
  alreadyPresent: boolean
  holders: string[]
  bytes: number
  /** Bytes each source sent, over all images (complete holders and, with a swarm, other fetchers), when the fetcher reports it. */
  bytesBySource: Record<string, number>
  method: ReplicationMethod
  /** Seconds the network transfers took, over all images, on the transport's clock. */
  networkS: number
  /** Bytes copied locally after the transfers (`whole-copy`: the template once more). */
  localCopyBytes: number
  /** Seconds the local copies took, on the driver's clock. */
  localCopyS: number
}

/**
 * Host names (other than this one) holding `template`, per an overlay
 * search. Throws `UnreachableHostsError` when none of the hosts that answered
 * holds it and some hosts did not answer, `TemplateNotFoundError` when all
 * answered and none holds it.
 */
export async function findHolders (ctx: Pick<ReplicationContext, 'hostname' | 'network' | 'options'>, template: string): Promise<string[]> {
  if (ctx.network === undefined) return []
  const outcome = await ctx.network.search('hosts', '', { deadlineMs: ctx.options.searchDeadlineMs })
  const holders = (outcome.results as unknown as HostRecord[])
    .filter(h => h.hostname !== ctx.hostname && Array.isArray(h.templates) && h.templates.includes(template))
    .map(h => h.hostname)
    .sort()
  if (holders.length > 0) return holders
  if (outcome.nonResponders.length > 0) {
    const found = `none among the ${outcome.results.length} hosts that answered`
    throw new UnreachableHostsError(`a host holding template "${template}"`, found, reasonsOf(outcome))
  }
  throw new TemplateNotFoundError(template, 'any reachable host')
}

/** Each non-responder of a search and why it did not answer. */
export function reasonsOf (outcome: { nonResponders: string[], reasons?: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(outcome.nonResponders.map(h => [h, outcome.reasons?.[h] ?? 'no answer']))
}

export async function replicateTemplate (ctx: ReplicationContext, name: string, options: ReplicateOptions = {}): Promise<ReplicateResult> {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('template', 'a template name', name)
  const method = options.method ?? ctx.options.replicationMethod
  if (method !== 'chunked' && method !== 'whole-copy') throw new InvalidArgumentError('method', '"chunked" or "whole-copy"', method)
  return await ctx.withLock(`template:${name}`, async () => {
    const present = ctx.registry.findTemplate(name)
    if (present !== undefined) {
      return { template: present, alreadyPresent: true, holders: [], bytes: 0, bytesBySource: {}, method, networkS: 0, localCopyBytes: 0, localCopyS: 0 }
    }
    const network = ctx.network
    const fetcher = ctx.fetcher
    if (network === undefined || fetcher === undefined) {
      const lacking = network === undefined ? 'no overlay' : 'no image transfer for its driver\'s images'
      throw new TemplateNotFoundError(name, `host ${ctx.hostname} (${lacking} to replicate from)`)
    }
    const fetched: string[] = []
    let holders: string[] = []
    try {
      holders = options.fromPeers !== undefined && options.fromPeers.length > 0 ? [...options.fromPeers] : await findHolders(ctx, name)
      const record = await fetchRecord(ctx, holders, name)
      let bytes = 0
      const bytesBySource: Record<string, number> = {}
      const times = { networkS: 0, localCopyBytes: 0, localCopyS: 0 }
      for (const image of record.images) {
        const got = await fetcher.fetch({ image, template: name, holders, destination: image.path, method, driver: ctx.driver })
        fetched.push(image.path)
        bytes += got.bytes
        for (const [source, n] of Object.entries(got.bytesBySource ?? {})) bytesBySource[source] = (bytesBySource[source] ?? 0) + n
        times.networkS += got.networkS ?? 0
        times.localCopyBytes += got.localCopyBytes ?? 0
        times.localCopyS += got.localCopyS ?? 0
      }
      const saved = await ctx.registry.putTemplate({ ...record, origin: 'replicated' })
      ctx.events.emit({ kind: 'template-replicated', subject: name, detail: `${bytes} bytes from ${holders.join(',')} (${method})` })
      return { template: saved, alreadyPresent: false, holders, bytes, bytesBySource, method, ...times }
    } catch (err) {
      await undo(err, fetched.map(p => async () => { await ctx.driver.deleteImage(p) }), `deleteImage`)
      const from = holders.length > 0 ? ` from ${holders.join(',')}` : ''
      ctx.events.emit({ kind: 'failed', subject: name, detail: `replication${from}: ${(err as Error).message}` })
      throw err
    }
  })
}

async function fetchRecord (ctx: Pick<ReplicationContext, 'network'>, holders: string[], name: string): Promise<TemplateRecord> {
  const reasons: string[] = []
  for (const h of holders) {
    try {
      const rec = await ctx.network!.call(h, 'xenos.peer.exportTemplate', [name]) as TemplateRecord
      if (rec === null || typeof rec !== 'object' || rec.name !== name || !Array.isArray(rec.images)) {
        throw new Error('an answer that is not a template record') // caught below: becomes this holder's reason
      }
      return rec
    } catch (err) {
      reasons.push(`${h}: ${(err as Error).message}`)
    }
  }
  throw new PeerError(holders.join(','), `send template "${name}"`, reasons.join('; '))
}

/** Remove a template and its images (used to leave a migration target clean). */
export async function dropTemplate (ctx: Pick<ServiceContext, 'registry' | 'driver'>, name: string): Promise<void> {
  const t = ctx.registry.findTemplate(name)
  if (t === undefined) return
  await ctx.registry.removeTemplate(name)
  for (const img of t.images) await ctx.driver.deleteImage(img.path)
}

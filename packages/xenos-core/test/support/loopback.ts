/**
 * TEST ONLY: in-process stand-ins for the overlay pieces, so coordinator
 * tests run without libp2p: a loopback "network" that routes calls and
 * searches between coordinators of one process (hosts can be taken down),
 * a simple query matcher, a counter id source, and an image fetcher that
 * checks a holder has the image and recreates it at the destination.
 */
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import type { Coordinator, IdSource, ImageFetcher, PeerNetwork, QueryMatcher, SearchKind } from '../../src/coordinator/index.js'
import { PeerError } from '../../src/coordinator/index.js'

export type Caller = (method: string, params: unknown[]) => Promise<unknown>

/** Calls straight into a coordinator's peer methods (as the API would). */
export function peerCaller (c: Coordinator): Caller {
  return async (method, params) => {
    const p = params as [never, never]
    switch (method) {
      case 'xenos.peer.exportTemplate': return c.peer.exportTemplate(p[0])
      case 'xenos.peer.prepareMigration': return await c.peer.prepareMigration(p[0])
      case 'xenos.peer.commitMigration': return await c.peer.commitMigration(p[0], p[1])
      case 'xenos.peer.abortMigration': return await c.peer.abortMigration(p[0])
      case 'xenos.peer.migrationAdopted': return await c.peer.migrationAdopted(p[0])
      case 'xenos.peer.migrationStatus': return c.peer.migrationStatus(p[0])
      default: throw new Error(`loopback: no method ${method}`)
    }
  }
}

export class LoopbackNet {
  readonly members = new Map<string, { coordinator: Coordinator, caller: Caller }>()
  readonly down = new Set<string>()
  /** Names of methods called, in order, as `host:method`. */
  readonly calls: string[] = []

  add (c: Coordinator, caller: Caller = peerCaller(c)): void {
    this.members.set(c.hostname, { coordinator: c, caller })
  }

  network (_self: string): PeerNetwork {
    return {
      search: async (kind: SearchKind, query: string) => {
        const results: Array<Record<string, unknown>> = []
        const nonResponders: string[] = []
        const reasons: Record<string, string> = {}
        for (const [host, m] of this.members) {
          if (this.down.has(host)) {
            nonResponders.push(host)
            reasons[host] = 'declared failed: connection refused'
            continue
          }
          results.push(...(await m.coordinator.localSearch(kind, query)).map(r => roundTrip(r) as Record<string, unknown>))
        }
        return { results, nonResponders, reasons }
      },
      call: async (host, method, params) => {
        this.calls.push(`${host}:${method}`)
        const m = this.members.get(host)
        if (m === undefined || this.down.has(host)) throw new PeerError(host, `answer ${method}`, 'connection refused at every known address')
        return roundTrip(await m.caller(method, roundTrip(params) as unknown[]))
      }
    }
  }
}

function roundTrip (v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v))
}

export function counterIds (prefix: string): IdSource {
  let n = 0
  return {
    serviceId: () => `${prefix}-${(++n).toString(16).padStart(6, '0')}`,
    mac: () => `00:16:3e:00:${Math.floor(n / 256).toString(16).padStart(2, '0')}:${(n % 256).toString(16).padStart(2, '0')}`
  }
}

/**
 * Conditions separated by spaces: `k=v`, `k!=v`, `k>=n`, `k<=n`, `k>n`, `k<n`, `k` (present).
 * Arrays match by membership; unknown keys look in `attributes`.
 */
export const simpleMatcher: QueryMatcher = {
  compile (query) {
    const conds = query.trim().split(/\s+/).filter(c => c.length > 0).map((c) => {
      const m = /^([A-Za-z0-9_.-]+)(?:(>=|<=|!=|=|>|<)(.*))?$/.exec(c)
      if (m === null) throw new Error(`bad condition ${c}`)
      return { key: m[1] as string, op: m[2], value: m[3] }
    })
    return rec => conds.every(({ key, op, value }) => {
      let v = rec[key]
      if (v === undefined && typeof rec.attributes === 'object' && rec.attributes !== null) v = (rec.attributes as Record<string, unknown>)[key]
      if (key === 'group') v = rec.groups
      if (op === undefined) return v !== undefined
      if (Array.isArray(v)) return op === '=' ? v.includes(value) : op === '!=' ? !v.includes(value) : false
      switch (op) {
        case '=': return String(v) === value
        case '!=': return String(v) !== value
        case '>=': return Number(v) >= Number(value)
        case '<=': return Number(v) <= Number(value)
        case '>': return Number(v) > Number(value)
        case '<': return Number(v) < Number(value)
        default: return false
      }
    })
  }
}

/** Fetches by checking a holder's driver has the image, then making it here. */
export function fakeFetcher (drivers: (host: string) => HypervisorDriver | undefined, log: string[] = []): ImageFetcher {
  return {
    async fetch (req) {
      let found = false
      for (const h of req.holders) {
        const d = drivers(h)
        if (d === undefined) continue
        try { await d.imageInfo(req.image.path); found = true; break } catch { continue }
      }
      if (!found) throw new Error(`no holder of ${req.image.path} among ${req.holders.join(',')}`)
      log.push(`${req.method}:${req.image.path}`)
      if (req.method === 'whole-copy') {
        const staging = `staging/${req.template}/${req.image.target}.img`
        await req.driver.createImage(staging, req.image.sizeBytes)
        await req.driver.copyImage(staging, req.destination)
        await req.driver.deleteImage(staging)
      } else {
        await req.driver.createImage(req.destination, req.image.sizeBytes)
      }
      return { bytes: req.image.sizeBytes }
    }
  }
}

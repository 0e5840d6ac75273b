/**
 * Search latency over N overlay nodes on loopback, all in this process (so
 * the whole overlay's work for a query shares this machine's cores: the
 * figures are conservative for N real hosts). Used by overlay.bench.ts.
 */
import { loadavg } from 'node:os'
import { OverlaySearch, SEARCH_TOPIC, type SearchStrategy } from '../src/overlay/search.js'
import { startCluster } from '../src/overlay/test-helpers.js'

export interface SearchFigures {
  strategy: SearchStrategy
  nodes: number
  queries: number
  queriers: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  incomplete: number
  meanConnections: number
  setupS: number
  load: number
}

export function quantileSorted (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

/** Measure both strategies on one cluster: `direct` first, then `flood`. */
export async function benchSearch (nodes: number, queries: number, floodQueries: number, queriers: number): Promise<SearchFigures[]> {
  const setupStart = performance.now()
  const searches: OverlaySearch[] = []
  const cluster = await startCluster(nodes, {
    topics: [SEARCH_TOPIC],
    readyTimeoutMs: 60_000,
    onNode: async (m) => {
      const template = m.index % 3 === 0 ? 'hadoop-slave' : 'web'
      const search = new OverlaySearch(m.node.libp2p, m.membership, {
        matcher: async query => (query === `template=${template}` ? [{ id: `svc-${m.index}`, template, state: 'running', freeMemoryMiB: 512 }] : [])
      })
      await search.start()
      searches.push(search)
    }
  })
  const setupS = (performance.now() - setupStart) / 1000
  const pick = (i: number): OverlaySearch => searches[(i * Math.floor(nodes / queriers)) % nodes]!
  const measure = async (strategy: SearchStrategy, count: number): Promise<SearchFigures> => {
    // warm-up: each querier's first queries open its search streams
    for (let i = 0; i < queriers * 3; i++) await pick(i % queriers).search('template=hadoop-slave', { timeoutMs: 5000, strategy })
    const samples: number[] = []
    let incomplete = 0
    for (let i = 0; i < count; i++) {
      const result = await pick(i % queriers).search('template=hadoop-slave', { timeoutMs: 2000, strategy })
      samples.push(result.durationMs)
      const found = result.matches.reduce((n, m) => n + m.records.length, 0)
      if (result.missing.length > 0 || found !== Math.ceil(nodes / 3)) incomplete++
    }
    samples.sort((a, b) => a - b)
    const meanConnections = cluster.members.reduce((n, m) => n + m.node.connectedPeers().length, 0) / nodes
    return {
      strategy, nodes, queries: count, queriers,
      p50Ms: quantileSorted(samples, 0.5), p90Ms: quantileSorted(samples, 0.9), p99Ms: quantileSorted(samples, 0.99), maxMs: samples[samples.length - 1]!,
      incomplete, meanConnections, setupS, load: loadavg()[0] ?? 0
    }
  }
  try {
    return [await measure('direct', queries), await measure('flood', floodQueries)]
  } finally {
    await Promise.all(searches.map(s => s.stop()))
    await cluster.stop()
  }
}

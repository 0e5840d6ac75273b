import { describe, expect, it } from 'vitest'
import { startOverlay } from './index.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { tempDir, trustFor } from './test-helpers.js'

describe('startOverlay', () => {
  it('assembles search, groups and the tunnel over one node and stops cleanly', async () => {
    const dirs = [await tempDir(), await tempDir()]
    const a = await startOverlay({
      dataDir: dirs[0]!.path,
      trust: await trustFor(dirs[0]!.path),
      matcher: async q => [{ host: 'a', q }],
      rpcHandler: async req => new TextEncoder().encode(`a got ${new TextDecoder().decode(req)}`)
    })
    const b = await startOverlay({
      dataDir: dirs[1]!.path, trust: await trustFor(dirs[1]!.path), bootstrap: a.node.multiaddrs(), matcher: async () => [{ host: 'b' }]
    })
    try {
      await waitFor(() => a.membership.members().length === 1 && b.membership.members().length === 1, { timeoutS: 30, what: 'membership' })
      const response = await b.tunnel.call(a.node.peerId, new TextEncoder().encode('ping'))
      expect(new TextDecoder().decode(response)).toBe('a got ping')
      await waitFor(() => b.node.libp2p.services.pubsub.getSubscribers('/xenos/search/1').length === 1, { timeoutS: 30, what: 'search topic' })
      const result = await b.search.search('x=1', { timeoutMs: 30_000 })
      expect(result.missing).toEqual([])
      expect(result.matches.map(m => m.records[0]!['host']).sort()).toEqual(['a', 'b'])
    } finally {
      await b.stop()
      await a.stop()
      await a.stop() // idempotent
      for (const d of dirs) await d.remove()
    }
  })

  it('leaves no timers or handles behind after stop', async () => {
    const dir = await tempDir()
    const count = (): number => process.getActiveResourcesInfo().filter(r => r === 'Timeout' || r === 'TCPServerWrap' || r === 'TCPSocketWrap').length
    const before = count()
    const overlay = await startOverlay({
      dataDir: dir.path, trust: await trustFor(dir.path), matcher: async () => [], membership: { probeIntervalMs: 50, gossipIntervalMs: 50 }
    })
    await waitFor(() => count() > before, { timeoutS: 30, what: 'the overlay\'s timers and sockets' })
    await overlay.stop()
    await waitFor(() => count() <= before, { timeoutS: 30, what: 'timers and sockets to be released' })
    await dir.remove()
  })

  it('a node stopped under its membership (a host killed mid-operation) makes its probes fail quietly, not unhandled rejections', async () => {
    const dirs = [await tempDir(), await tempDir()]
    const fast = { probeIntervalMs: 50, probeTimeoutMs: 200, suspicionMult: 2, gossipIntervalMs: 50 }
    const a = await startOverlay({ dataDir: dirs[0]!.path, trust: await trustFor(dirs[0]!.path), matcher: async () => [], membership: fast })
    const b = await startOverlay({
      dataDir: dirs[1]!.path, trust: await trustFor(dirs[1]!.path), bootstrap: a.node.multiaddrs(), matcher: async () => [], membership: fast
    })
    const rejections: unknown[] = []
    const onRejection = (reason: unknown): void => { rejections.push(reason) }
    process.on('unhandledRejection', onRejection)
    try {
      await a.membership.waitForMembers(1, 30_000)
      await b.membership.waitForMembers(1, 30_000)
      await a.node.libp2p.stop()
      // a keeps probing b over its stopped node until it declares b failed; b sees a refuse
      await waitFor(() => a.membership.failed().length === 1 && b.membership.failed().length === 1, { timeoutS: 60, what: 'each to declare the other failed' })
      await new Promise(r => setImmediate(r)) // an unhandled rejection is reported after the microtasks
      expect(rejections).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
      await b.stop()
      await a.stop()
      for (const d of dirs) await d.remove()
    }
  })
})

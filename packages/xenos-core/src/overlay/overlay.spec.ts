import { describe, expect, it, vi } from 'vitest'
import { startOverlay } from './index.js'
import { tempDir, waitFor } from './test-helpers.js'

describe('startOverlay', () => {
  it('assembles search, groups and the tunnel over one node and stops cleanly', async () => {
    const dirs = [await tempDir(), await tempDir()]
    const a = await startOverlay({
      dataDir: dirs[0]!.path,
      matcher: async q => [{ host: 'a', q }],
      rpcHandler: async req => new TextEncoder().encode(`a got ${new TextDecoder().decode(req)}`)
    })
    const b = await startOverlay({ dataDir: dirs[1]!.path, bootstrap: a.node.multiaddrs(), matcher: async () => [{ host: 'b' }] })
    try {
      await waitFor(() => a.membership.members().length === 1 && b.membership.members().length === 1, 30_000, 'membership')
      const response = await b.tunnel.call(a.node.peerId, new TextEncoder().encode('ping'))
      expect(new TextDecoder().decode(response)).toBe('a got ping')
      await waitFor(() => b.node.libp2p.services.pubsub.getSubscribers('/xenos/search/1').length === 1, 30_000, 'search topic')
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
    const overlay = await startOverlay({ dataDir: dir.path, matcher: async () => [], membership: { announceIntervalMs: 50 } })
    const announce = vi.spyOn(overlay.membership, 'announce')
    await waitFor(() => announce.mock.calls.length >= 2, 30_000, 'two periodic announcements')
    expect(count()).toBeGreaterThan(before)
    await overlay.stop()
    await waitFor(() => count() <= before, 30_000, 'timers and sockets to be released')
    await dir.remove()
  })

  it('a node stopped under its membership (a host killed mid-operation) makes announcements no-ops, not unhandled rejections', async () => {
    const dir = await tempDir()
    const overlay = await startOverlay({ dataDir: dir.path, matcher: async () => [], membership: { announceIntervalMs: 30 } })
    const rejections: unknown[] = []
    const onRejection = (reason: unknown): void => { rejections.push(reason) }
    process.on('unhandledRejection', onRejection)
    try {
      await overlay.node.libp2p.stop()
      await expect(overlay.membership.announce()).resolves.toBeUndefined()
      const announce = vi.spyOn(overlay.membership, 'announce')
      await waitFor(() => announce.mock.calls.length >= 3, 30_000, 'three periodic announcements on the stopped node')
      await Promise.allSettled(announce.mock.results.map(r => r.value))
      await new Promise(r => setImmediate(r)) // an unhandled rejection is reported after the microtasks
      expect(rejections).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
      await overlay.stop()
      await dir.remove()
    }
  })
})

/**
 * Search and membership together: a host answers only once ready, a search
 * names every host it did not hear from and why, and waits for no host the
 * membership knows to be failed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startOverlay, type Overlay } from './index.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { tempDir, trustFor } from './test-helpers.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function overlay (name: string, options: { bootstrap?: Overlay, ready?: boolean, onMatch?: () => void } = {}): Promise<Overlay> {
  const dir = await tempDir()
  const o = await startOverlay({
    dataDir: dir.path,
    trust: await trustFor(dir.path),
    ...(options.bootstrap === undefined ? {} : { bootstrap: options.bootstrap.node.multiaddrs() }),
    search: { ready: options.ready ?? true },
    matcher: async () => {
      options.onMatch?.()
      return [{ host: name }]
    }
  })
  cleanups.push(async () => { await o.stop(); await dir.remove() })
  return o
}

describe('search over the membership', () => {
  it('a starting host answers once it is ready, never with an empty result in the meantime', async () => {
    let bMatched = 0
    const a = await overlay('a')
    const b = await overlay('b', { bootstrap: a, ready: false, onMatch: () => { bMatched++ } })
    await a.membership.waitForMembers(1, 60_000)
    const pending = a.search.search('x', { timeoutMs: 100_000 })
    // the query reached b (it records every query id it takes), which holds it until it is ready
    await waitFor(() => (b.search as unknown as { answered: Set<string> }).answered.size > 0, { timeoutS: 60, what: 'the query to reach b' })
    expect(bMatched).toBe(0)
    b.search.setReady(true)
    const result = await pending
    expect(result.missing).toEqual([])
    expect(result.matches.map(m => m.records[0]!['host']).sort()).toEqual(['a', 'b'])
    expect(bMatched).toBe(1)
  })

  it('names a host that never became ready instead of taking its silence for "no matches"', async () => {
    const a = await overlay('a')
    const b = await overlay('b', { bootstrap: a, ready: false })
    await a.membership.waitForMembers(1, 60_000)
    const result = await a.search.search('x', { timeoutMs: 1500 })
    expect(result.missing).toEqual([b.node.peerId])
    expect(result.missingReasons[b.node.peerId]).toBe('no answer within 1500 ms')
    expect(result.matches.map(m => m.peerId)).toEqual([a.node.peerId])
  })

  it('names a failed host at once, without waiting for the deadline, and keeps naming it', async () => {
    const a = await overlay('a')
    await overlay('b', { bootstrap: a })
    const c = await overlay('c', { bootstrap: a })
    await waitFor(() => a.membership.members().length === 2, { timeoutS: 60, what: 'a to know b and c' })
    await c.stop()
    await waitFor(() => a.membership.get(c.node.peerId)?.state === 'failed', { timeoutS: 60, what: 'a to declare c failed' })
    for (let i = 0; i < 2; i++) {
      const result = await a.search.search('x', { timeoutMs: 100_000 })
      expect(result.missing).toEqual([c.node.peerId])
      expect(result.missingReasons[c.node.peerId]).toMatch(/^declared failed \d+ s ago: /)
      expect(result.matches.map(m => m.records[0]!['host']).sort()).toEqual(['a', 'b'])
      // it did not wait for c: the search ended as soon as b answered
      expect(result.durationMs).toBeLessThan(100_000)
    }
  })
})

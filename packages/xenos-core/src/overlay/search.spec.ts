import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OverlaySearch, SEARCH_TOPIC, type SearchMatcher, type SearchStrategy } from './search.js'
import { startCluster, type ClusterMember } from './test-helpers.js'

describe.each<SearchStrategy>(['direct', 'flood'])('strategy %s', (currentStrategy) => {
  const N = 13
  let cluster: Awaited<ReturnType<typeof startCluster>>
  let searches: OverlaySearch[]
  const slow = new Set<number>()
  let onSlowMatch: (() => void) | undefined

  /** Host i holds one service, template "even" or "odd"; the query is a template name. */
  function matcherFor (member: ClusterMember): SearchMatcher {
    return async (query, kind) => {
      if (kind === 'hosts') return [{ host: member.index, kind }]
      if (slow.has(member.index)) {
        onSlowMatch?.()
        await new Promise(r => setTimeout(r, 400))
      }
      if (query === 'bad query') throw new Error('cannot parse "bad query"')
      const template = member.index % 2 === 0 ? 'even' : 'odd'
      return template === query ? [{ host: member.index, template }] : []
    }
  }

  beforeAll(async () => {
    searches = []
    cluster = await startCluster(N, {
      topics: [SEARCH_TOPIC],
      onNode: async (m) => {
        const search = new OverlaySearch(m.node.libp2p, m.membership, { matcher: matcherFor(m), strategy: currentStrategy })
        await search.start()
        searches.push(search)
      }
    })
  })
  afterAll(async () => {
    await Promise.all(searches.map(s => s.stop()))
    await cluster.stop()
  })

  function hosts (result: Awaited<ReturnType<OverlaySearch['search']>>): number[] {
    return result.matches.flatMap(m => m.records.map(r => r['host'] as number)).sort((a, b) => a - b)
  }

  describe('overlay search', () => {
    it('returns matches from every host of a 13-node overlay, none missing', async () => {
      const result = await searches[5]!.search('even', { timeoutMs: 30_000 })
      expect(result.missing).toEqual([])
      expect(result.matches).toHaveLength(N)
      expect(hosts(result)).toEqual([0, 2, 4, 6, 8, 10, 12])
      expect(result.matches[0]!.peerId).toBe(cluster.members[5]!.node.peerId)
      const odd = await searches[0]!.search('odd', { timeoutMs: 30_000 })
      expect(hosts(odd)).toEqual([1, 3, 5, 7, 9, 11])
    })

    it('carries the kind of search to every host', async () => {
      const result = await searches[2]!.search('anything', { kind: 'hosts', timeoutMs: 30_000 })
      expect(hosts(result)).toEqual([...Array(N).keys()])
      expect(result.matches.every(m => m.records[0]!['kind'] === 'hosts')).toBe(true)
    })

    it('reports hosts that fail to evaluate the query', async () => {
      const result = await searches[1]!.search('bad query', { timeoutMs: 30_000 })
      expect(result.errors).toHaveLength(N)
      expect(result.errors[0]!.message).toMatch(/cannot parse/)
      expect(result.missing).toEqual([])
    })

    it('returns partial results naming the host stopped mid-search, without waiting for the deadline', async () => {
      const victim = cluster.members[7]!
      slow.add(7)
      const reached = new Promise<void>(r => (onSlowMatch = r))
      const pending = searches[5]!.search('odd', { timeoutMs: 100_000 })
      await reached // the query is being evaluated on the victim: stop it now
      await searches[7]!.stop()
      await victim.membership.stop()
      await victim.node.stop()
      const result = await pending
      expect(result.missing).toEqual([victim.node.peerId])
      expect(result.missingReasons[victim.node.peerId]).toMatch(/left the overlay during the search|declared failed|not delivered/)
      expect(hosts(result)).toEqual([1, 3, 5, 9, 11])
      expect(result.matches.map(m => m.peerId)).not.toContain(victim.node.peerId)
      expect(result.matches).toHaveLength(N - 1)
      // the membership said the victim was gone: the search did not wait for its 100 s deadline
      expect(result.durationMs).toBeLessThan(100_000)
    })
  })
})

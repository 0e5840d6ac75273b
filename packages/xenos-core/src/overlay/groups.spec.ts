import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Groups, type GroupMessage } from './groups.js'
import { OverlaySearch, SEARCH_TOPIC } from './search.js'
import { NotGroupMemberError, OverlayConfigError } from './errors.js'
import { startCluster, waitFor } from './test-helpers.js'

const N = 7
const MEMBERS = [0, 3, 5]
let cluster: Awaited<ReturnType<typeof startCluster>>
const groups: Groups[] = []
const searches: OverlaySearch[] = []
const received: GroupMessage[][] = []
const enc = new TextEncoder()
const dec = new TextDecoder()

beforeAll(async () => {
  // degree 1: a tree, so most members are not neighbours in the overlay
  cluster = await startCluster(N, {
    degree: 1,
    topics: [SEARCH_TOPIC],
    onNode: async (m) => {
      const g = new Groups(m.node.libp2p, m.membership)
      await g.start()
      groups.push(g)
      const inbox: GroupMessage[] = []
      received.push(inbox)
      g.onMessage((msg) => inbox.push(msg))
      const search = new OverlaySearch(m.node.libp2p, m.membership, {
        matcher: async (q) => (g.localGroups().includes(q) ? [{ host: m.index, groups: g.localGroups() }] : []),
      })
      await search.start()
      searches.push(search)
    },
  })
  for (const i of MEMBERS) await groups[i]!.join('alpha', `service-${i}`)
  const peerOf = (i: number): string => cluster.members[i]!.node.peerId
  for (const i of MEMBERS) {
    const others = MEMBERS.filter((j) => j !== i).map(peerOf)
    await waitFor(() => others.every((p) => groups[i]!.reachableMembers('alpha').includes(p)), 5000, `group mesh at node ${i}`)
  }
}, 30_000)
afterAll(async () => {
  await Promise.all([...groups, ...searches].map((s) => s.stop()))
  await cluster.stop()
})

describe('overlay groups', () => {
  it('delivers a group message to every member and to no other host', async () => {
    await groups[0]!.publish('alpha', enc.encode('hello alpha'))
    await waitFor(() => received[3]!.length === 1 && received[5]!.length === 1, 3000, 'members to receive')
    await new Promise((r) => setTimeout(r, 200)) // give a wrongly addressed copy time to arrive
    expect(dec.decode(received[3]![0]!.data)).toBe('hello alpha')
    expect(received[5]![0]!.from).toBe(cluster.members[0]!.node.peerId)
    for (const i of [0, 1, 2, 4, 6]) expect(received[i]).toEqual([])
    for (const i of [1, 2, 4, 6]) expect(cluster.members[i]!.node.libp2p.services.pubsub.getTopics()).not.toContain('/xenos/group/alpha/1')
  })

  it('refuses a publish from a host outside the group and an invalid group name', async () => {
    await expect(groups[1]!.publish('alpha', enc.encode('intruder'))).rejects.toThrow(NotGroupMemberError)
    await expect(groups[1]!.join('no spaces allowed')).rejects.toThrow(OverlayConfigError)
  })

  it('makes group membership visible to every host and to search', async () => {
    const peers = MEMBERS.map((i) => cluster.members[i]!.node.peerId).sort()
    await waitFor(() => groups[2]!.list().find((g) => g.name === 'alpha')?.remoteHosts.length === 3, 3000, 'announcements')
    expect(groups[2]!.list()).toEqual([{ name: 'alpha', localMembers: [], remoteHosts: peers }])
    expect(groups[3]!.list()[0]!.localMembers).toEqual(['service-3'])
    expect(groups[3]!.groupsOf('service-3')).toEqual(['alpha'])
    const result = await searches[2]!.search('alpha', { timeoutMs: 3000 })
    expect(result.missing).toEqual([])
    expect(result.matches.flatMap((m) => m.records.map((r) => r['host'])).sort()).toEqual(MEMBERS)
  })

  it('stops delivering to a host whose last member left', async () => {
    await groups[5]!.leave('alpha', 'service-5')
    const peer5 = cluster.members[5]!.node.peerId
    await waitFor(() => !groups[3]!.reachableMembers('alpha').includes(peer5), 3000, 'unsubscription')
    const before = received[5]!.length
    await groups[3]!.publish('alpha', enc.encode('after leave'))
    await waitFor(() => received[0]!.some((m) => dec.decode(m.data) === 'after leave'), 3000, 'member 0 to receive')
    await new Promise((r) => setTimeout(r, 200))
    expect(received[5]!.length).toBe(before)
    expect(groups[5]!.localGroups()).toEqual([])
  })
})

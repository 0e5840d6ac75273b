import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Groups, type GroupMessage } from './groups.js'
import { OverlaySearch, SEARCH_TOPIC } from './search.js'
import { InvalidArgumentError } from '../errors.js'
import { NotGroupMemberError } from './errors.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { startCluster } from './test-helpers.js'

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
      g.onMessage(msg => inbox.push(msg))
      const search = new OverlaySearch(m.node.libp2p, m.membership, {
        matcher: async q => (g.localGroups().includes(q) ? [{ host: m.index, groups: g.localGroups() }] : [])
      })
      await search.start()
      searches.push(search)
    }
  })
  for (const i of MEMBERS) await groups[i]!.join('alpha', `service-${i}`)
  // every host is in "all": a message there, published after one to "alpha",
  // tells when anything "alpha" sent has had time to arrive wherever it went
  for (let i = 0; i < N; i++) await groups[i]!.join('all', `probe-${i}`)
  const peerOf = (i: number): string => cluster.members[i]!.node.peerId
  for (const i of MEMBERS) {
    const others = MEMBERS.filter(j => j !== i).map(peerOf)
    await waitFor(() => others.every(p => groups[i]!.reachableMembers('alpha').includes(p)), { timeoutS: 90, what: `group mesh at node ${i}` })
  }
  for (let i = 0; i < N; i++) {
    const others = [...Array(N).keys()].filter(j => j !== i).map(peerOf)
    await waitFor(() => others.every(p => groups[i]!.reachableMembers('all').includes(p)), { timeoutS: 90, what: `group "all" at node ${i}` })
  }
}, 300_000)
afterAll(async () => {
  await Promise.all([...groups, ...searches].map(s => s.stop()))
  await cluster.stop()
})

const inGroup = (i: number, group: string): GroupMessage[] => received[i]!.filter(m => m.group === group)

/** Publishes a marker from `from` to every host ("all") and waits until each has it. */
async function everyHostHeardAfter (from: number): Promise<void> {
  const marker = `marker-${Math.random()}`
  await groups[from]!.publish('all', enc.encode(marker))
  await waitFor(() => received.every((inbox, i) => i === from || inbox.some(m => m.group === 'all' && dec.decode(m.data) === marker)), {
    timeoutS: 90, what: 'the marker at every host'
  })
}

describe('overlay groups', () => {
  it('delivers a group message to every member and to no other host', async () => {
    await groups[0]!.publish('alpha', enc.encode('hello alpha'))
    await waitFor(() => inGroup(3, 'alpha').length === 1 && inGroup(5, 'alpha').length === 1, { timeoutS: 90, what: 'members to receive' })
    // a wrongly addressed copy would have arrived by the time a later message reached every host
    await everyHostHeardAfter(0)
    expect(dec.decode(inGroup(3, 'alpha')[0]!.data)).toBe('hello alpha')
    expect(inGroup(5, 'alpha')[0]!.from).toBe(cluster.members[0]!.node.peerId)
    for (const i of [0, 1, 2, 4, 6]) expect(inGroup(i, 'alpha')).toEqual([])
    for (const i of [1, 2, 4, 6]) expect(cluster.members[i]!.node.libp2p.services.pubsub.getTopics()).not.toContain('/xenos/group/alpha/1')
  })

  it('refuses a publish from a host outside the group and an invalid group name', async () => {
    await expect(groups[1]!.publish('alpha', enc.encode('intruder'))).rejects.toThrow(NotGroupMemberError)
    await expect(groups[1]!.join('no spaces allowed')).rejects.toThrow(InvalidArgumentError)
  })

  it('makes group membership visible to every host and to search', async () => {
    const peers = MEMBERS.map(i => cluster.members[i]!.node.peerId).sort()
    await waitFor(() => groups[2]!.list().find(g => g.name === 'alpha')?.remoteHosts.length === 3, { timeoutS: 90, what: 'announcements' })
    expect(groups[2]!.list().find(g => g.name === 'alpha')).toEqual({ name: 'alpha', localMembers: [], remoteHosts: peers })
    expect(groups[3]!.list().find(g => g.name === 'alpha')!.localMembers).toEqual(['service-3'])
    expect(groups[3]!.groupsOf('service-3')).toEqual(['alpha'])
    const result = await searches[2]!.search('alpha', { timeoutMs: 90_000 })
    expect(result.missing).toEqual([])
    expect(result.matches.flatMap(m => m.records.map(r => r['host'])).sort()).toEqual(MEMBERS)
  })

  it('stops delivering to a host whose last member left', async () => {
    await groups[5]!.leave('alpha', 'service-5')
    const peer5 = cluster.members[5]!.node.peerId
    await waitFor(() => !groups[3]!.reachableMembers('alpha').includes(peer5), { timeoutS: 90, what: 'unsubscription' })
    const before = inGroup(5, 'alpha').length
    await groups[3]!.publish('alpha', enc.encode('after leave'))
    await waitFor(() => inGroup(0, 'alpha').some(m => dec.decode(m.data) === 'after leave'), { timeoutS: 90, what: 'member 0 to receive' })
    await everyHostHeardAfter(3)
    expect(inGroup(5, 'alpha').length).toBe(before)
    expect(groups[5]!.localGroups()).toEqual(['all'])
  })
})

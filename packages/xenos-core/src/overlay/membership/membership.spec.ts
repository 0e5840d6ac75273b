/**
 * Membership over real libp2p on loopback: what the simulated-network tests
 * (swim.spec.ts) cannot show, that libp2p's own signals reach the failure
 * detector (a closed connection, a refused port, a new connection) and that
 * the protocol runs over real streams.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createOverlayNode, type OverlayNode } from '../node.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { startCluster, tempDir, trustFor, type ClusterMember } from '../test-helpers.js'
import { Membership, type MembershipInit } from './membership.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function cluster (count: number, membership: MembershipInit): Promise<ClusterMember[]> {
  const c = await startCluster(count, { membership, degree: 1 })
  cleanups.push(c.stop)
  return c.members
}

describe('Membership over libp2p', () => {
  it('declares a stopped host failed from the refused connection alone, without waiting for a suspicion to time out', async () => {
    // a suspicion would last over an hour: only the closed connection and the refused port can do it
    const members = await cluster(4, { suspicionMult: 4000 })
    const [victim, ...others] = members as [ClusterMember, ...ClusterMember[]]
    await victim.membership.stop()
    await victim.node.stop()
    await waitFor(() => others.every(o => o.membership.get(victim.node.peerId)?.state === 'failed'), {
      timeoutS: 60, what: 'every host to declare the stopped one failed'
    })
    for (const o of others) {
      expect(o.membership.failed().map(f => f.peerId)).toEqual([victim.node.peerId])
      expect(o.membership.members().map(m => m.peerId)).not.toContain(victim.node.peerId)
    }
    expect(others.some(o => /refused/.test(o.membership.get(victim.node.peerId)?.reason ?? ''))).toBe(true)
  })

  it('forgets a host that leaves gracefully instead of declaring it failed', async () => {
    const members = await cluster(4, {})
    const [leaver, ...others] = members as [ClusterMember, ...ClusterMember[]]
    await leaver.membership.leave()
    await leaver.node.stop()
    await waitFor(() => others.every(o => o.membership.get(leaver.node.peerId) === undefined), { timeoutS: 60, what: 'every host to forget the one that left' })
    expect(others.every(o => o.membership.failed().length === 0 && o.membership.members().length === 2)).toBe(true)
  })

  it('converges through table exchanges alone when nothing is gossiped and nobody probes', async () => {
    const members = await cluster(6, { gossipFanout: 0, probeIntervalMs: 3_600_000, pushPullIntervalMs: 200 })
    expect(members.every(m => m.membership.members().length === 5)).toBe(true)
  })

  it('redials a failed host: one that comes back with no bootstrap list is found again on both sides', async () => {
    const members = await cluster(3, { redialIntervalMs: 500 })
    // the last host: no other host has it in its bootstrap list, so only membership redials it
    const x = members[2]!
    const others = members.slice(0, 2)
    const addr = x.node.multiaddrs()[0]!
    const listen = addr.slice(0, addr.indexOf('/p2p/'))
    await x.membership.stop()
    await x.node.stop()
    await waitFor(() => others.every(o => o.membership.get(x.node.peerId)?.state === 'failed'), { timeoutS: 60, what: 'x declared failed' })
    // x restarts from its data directory (same identity, same port), knowing nobody
    const node: OverlayNode = await createOverlayNode({ dataDir: x.dataDir, listen: [listen], trust: await trustFor(x.dataDir) })
    const membership = new Membership(node.libp2p, { redialIntervalMs: 500 })
    await membership.start()
    cleanups.push(async () => { await membership.stop(); await node.stop() })
    const found = (): boolean => membership.members().length === 2 && others.every(o => o.membership.get(node.peerId)?.state === 'alive')
    await waitFor(found, { timeoutS: 60, what: 'x and the others to find each other again' })
    expect(others.every(o => o.membership.failed().length === 0)).toBe(true)
  })

  it('refuses a malformed request without stopping to serve', async () => {
    const dir = await tempDir()
    const members = await cluster(2, {})
    const node = await createOverlayNode({ dataDir: dir.path, trust: await trustFor(dir.path) })
    cleanups.push(async () => { await node.stop(); await dir.remove() })
    const target = members[0]!.node
    const stream = await node.libp2p.dialProtocol(target.libp2p.getMultiaddrs(), '/xenos/membership/1.0.0')
    const body = new TextEncoder().encode('{"t":"ping"}')
    const frame = new Uint8Array(4 + body.byteLength)
    new DataView(frame.buffer).setUint32(0, body.byteLength)
    frame.set(body, 4)
    stream.send(frame)
    await waitFor(() => stream.status !== 'open' || stream.readStatus !== 'readable', { timeoutS: 30, what: 'the stream to be reset' })
    await waitFor(() => members[1]!.membership.members().length === 1 && members[0]!.membership.members().length === 1, {
      timeoutS: 30, what: 'membership still working'
    })
  })
})

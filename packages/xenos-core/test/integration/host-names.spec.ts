/**
 * On a closed overlay a host's name is the one its admission record binds: a
 * host admitted under one name cannot pass for another one, neither in search
 * answers nor as the target of a call by name, even with a coordinator changed
 * to lie (its key leaked, its code replaced).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startXenosHost, type XenosHost } from '../../src/coordinator/xenos-host.js'
import { InvalidArgumentError } from '../../src/errors.js'
import { startTestCluster, type TestCluster } from '../../src/testing/index.js'
import type { HostTrust } from '../../src/trust/index.js'
import { FakeCluster } from '../support/fake-cluster.js'

let cluster: TestCluster
let impostor: XenosHost

/** A host's trust that claims, of its own peer, the name `claimed`: what a modified coordinator would do. */
function lyingAboutItself (trust: HostTrust, claimed: string): HostTrust {
  return new Proxy(trust, {
    get (target, key, receiver) {
      if (key !== 'admittedName') return Reflect.get(target, key, receiver) as unknown
      return (peerId: string) => peerId === target.peerId ? claimed : target.admittedName(peerId)
    }
  })
}

beforeAll(async () => {
  const fake = new FakeCluster([{ name: 'n1' }, { name: 'victim' }])
  cluster = await startTestCluster({ hosts: [{ driver: fake.driver('n1') }, { driver: fake.driver('victim') }] })
  // admitted as "mallory", it runs a driver named "victim" and says so to everyone
  const own = new FakeCluster([{ name: 'victim' }])
  const dataDir = join(cluster.dir, 'mallory')
  impostor = await startXenosHost({
    dataDir,
    trust: lyingAboutItself(await cluster.authority.hostTrust(dataDir, 'mallory'), 'victim'),
    bootstrap: [cluster.hosts[0]!.node.multiaddrs()[0]!]
  }, { driver: own.driver('victim') })
  await cluster.hosts[0]!.membership.waitForMembers(2, 120_000)
}, 240_000)

afterAll(async () => {
  await impostor?.stop()
  await cluster?.stop()
})

describe('host names bound by admission', () => {
  it('a call by name goes to the host admitted under it, though another announces the name', async () => {
    const network = cluster.hosts[0]!.network
    expect(cluster.hosts[0]!.membership.get(impostor.peerId)?.name).toBe('victim')
    expect(network.peerOf('victim')).toBe(cluster.host('victim').peerId)
    expect(network.members?.().map(m => m.host)).toEqual(['mallory', 'victim'])
  })

  it('a search names only the host admitted under the name, and the impostor as answering falsely', async () => {
    const network = cluster.hosts[0]!.network
    const found = await network.search('hosts', 'hostname=victim', { deadlineMs: 60_000 })
    expect(found.results).toHaveLength(1)
    expect(found.results[0]!.peerId).toBe(cluster.host('victim').peerId)
    expect(found.nonResponders).toContain('mallory')
    expect(found.reasons?.mallory).toMatch(/answered falsely \(it named itself "victim" but is admitted as "mallory"\)/)
    expect(network.peerOf('victim')).toBe(cluster.host('victim').peerId)
    expect(network.hostOf(impostor.peerId)).toBe('mallory')
  })

  it('a coordinator refuses to start under a name other than its admission\'s', async () => {
    const dataDir = join(cluster.dir, 'renamed')
    const start = startXenosHost({ dataDir, trust: await cluster.authority.hostTrust(dataDir, 'someone-else') }, {
      driver: new FakeCluster([{ name: 'renamed' }]).driver('renamed')
    })
    await expect(start).rejects.toThrow(InvalidArgumentError)
    await expect(start).rejects.toThrow(/an admission for host "renamed" \(its name binds the host\), found "someone-else"/)
  })
})

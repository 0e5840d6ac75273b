import { afterEach, describe, expect, it } from 'vitest'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createOverlayNode, type OverlayNode } from './node.js'
import { startOverlay, type Overlay } from './index.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { tempDir, testAuthority } from './test-helpers.js'
import { MissingClusterCredentialsError } from '../trust/errors.js'
import type { ClusterAuthority } from '../trust/authority.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
async function dir (): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.remove)
  return d.path
}
async function authority (): Promise<ClusterAuthority> {
  const a = await testAuthority()
  cleanups.push(a.remove)
  return a.authority
}
async function node (init: Parameters<typeof createOverlayNode>[0]): Promise<OverlayNode> {
  const n = await createOverlayNode(init)
  cleanups.push(() => n.stop())
  return n
}
async function overlay (cluster: ClusterAuthority, dataDir: string, bootstrap: string[] = []): Promise<Overlay> {
  const trust = await cluster.nodeTrust(dataDir, { stateDir: join(dataDir, 'trust') })
  const o = await startOverlay({ dataDir, bootstrap, trust, matcher: async () => [], trustSync: { pullIntervalMs: 500 } })
  cleanups.push(() => o.stop())
  return o
}
const refused = async (from: OverlayNode, to: OverlayNode): Promise<void> => {
  await expect(from.libp2p.dial(to.libp2p.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
}

describe('a closed overlay', () => {
  it('does not start without cluster credentials unless told to run open, and then warns', async () => {
    await expect(createOverlayNode({ dataDir: await dir() })).rejects.toThrow(MissingClusterCredentialsError)
    const warnings: string[] = []
    await node({ dataDir: await dir(), insecureOpenOverlay: true, warn: (m) => { warnings.push(m) } })
    expect(warnings).toEqual([expect.stringMatching(/^WARNING: insecure open overlay/)])
  })

  it('connects admitted hosts and refuses a host without the swarm key, with another cluster\'s key, or with the key but no admission', async () => {
    const cluster = await authority()
    const other = await authority()
    const aDir = await dir()
    const a = await node({ dataDir: aDir, trust: await cluster.nodeTrust(aDir) })
    const bDir = await dir()
    const b = await node({ dataDir: bDir, trust: await cluster.nodeTrust(bDir) })
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]!)
    expect(a.connectedPeers()).toEqual([b.peerId])
    expect(a.admits(b.peerId)).toBe(true)

    const open = await node({ dataDir: await dir(), insecureOpenOverlay: true, warn: () => {} })
    await refused(open, a)
    const foreignDir = await dir()
    const foreign = await node({ dataDir: foreignDir, trust: await other.nodeTrust(foreignDir) })
    await refused(foreign, a)
    // the swarm key leaked to a host the administrator never admitted: its own admission key signs nothing here
    await copyFile(join(cluster.dir, 'swarm.key'), join(other.dir, 'swarm.key'))
    const leakDir = await dir()
    const leaked = await node({ dataDir: leakDir, trust: await other.nodeTrust(leakDir) })
    await refused(leaked, a)
    await refused(a, leaked)
    expect(a.connectedPeers()).toEqual([b.peerId])
  })

  it('spreads a host\'s revocation to every member, cuts its connections, refuses it afterwards, and remembers across a restart', async () => {
    const cluster = await authority()
    const [aDir, bDir, cDir] = [await dir(), await dir(), await dir()]
    let a = await overlay(cluster, aDir)
    const b = await overlay(cluster, bDir, a.node.multiaddrs())
    const c = await overlay(cluster, cDir, a.node.multiaddrs())
    await c.node.libp2p.dial(b.node.libp2p.getMultiaddrs()[0]!)
    await waitFor(() => a.node.connectedPeers().length === 2 && b.node.connectedPeers().includes(c.node.peerId), {
      timeoutS: 30, what: 'three connected hosts'
    })
    await waitFor(() => b.node.libp2p.services.pubsub.getSubscribers('xenos/trust/1').length >= 1, { timeoutS: 30, what: 'trust topic' })

    const list = await cluster.revokeHost(c.node.peerId, 'c')
    expect(await a.trustSync!.publish(list)).toEqual({ kind: 'hosts', version: 1, adopted: true })
    expect(await a.trustSync!.publish(list)).toEqual({ kind: 'hosts', version: 1, adopted: false })
    await waitFor(() => b.node.trust!.isHostRevoked(c.node.peerId), { timeoutS: 30, what: 'b to learn the revocation' })
    await waitFor(() => !a.node.connectedPeers().includes(c.node.peerId) && !b.node.connectedPeers().includes(c.node.peerId), {
      timeoutS: 30, what: 'c to be cut off'
    })
    await expect(c.node.libp2p.dial(a.node.libp2p.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
    await expect(c.node.libp2p.dial(b.node.libp2p.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()

    // a forged list (signed by another cluster's admission key) is refused
    const forged = await (await authority()).revokeHost(b.node.peerId)
    await expect(a.trustSync!.publish(forged)).rejects.toThrow(/signature that does not verify|cluster/)
    expect(a.node.trust!.isHostRevoked(b.node.peerId)).toBe(false)

    // a restarted host still refuses the revoked one
    const port = a.node.multiaddrs()[0]!.split('/')[4]!
    await a.stop()
    const trust = await cluster.nodeTrust(aDir, { stateDir: join(aDir, 'trust') })
    a = await startOverlay({ dataDir: aDir, listen: [`/ip4/127.0.0.1/tcp/${port}`], trust, matcher: async () => [] })
    cleanups.push(() => a.stop())
    expect(a.node.trust!.versions().hosts).toBe(1)
    await expect(c.node.libp2p.dial(a.node.libp2p.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
  })

  it('brings a host that missed a revocation up to date when it reconnects', async () => {
    const cluster = await authority()
    const [aDir, bDir, cDir] = [await dir(), await dir(), await dir()]
    const a = await overlay(cluster, aDir)
    const c = await overlay(cluster, cDir)
    await a.trustSync!.publish(await cluster.revokeHost(c.node.peerId))
    const b = await overlay(cluster, bDir, a.node.multiaddrs())
    await waitFor(() => b.node.trust!.versions().hosts === 1, { timeoutS: 30, what: 'b to pull the list when it connects' })
    await expect(c.node.libp2p.dial(b.node.libp2p.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
  })
})

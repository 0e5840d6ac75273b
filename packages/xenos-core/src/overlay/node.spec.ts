import { afterEach, describe, expect, it } from 'vitest'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createOverlayNode, type OverlayNode } from './node.js'
import { IDENTITY_FILE_NAME } from './identity.js'
import { generateSwarmKeyText } from './swarm-key.js'
import { OverlayConfigError, SwarmKeyError } from './errors.js'
import { tempDir, waitFor } from './test-helpers.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
async function dir (): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.remove)
  return d.path
}
async function node (init: Parameters<typeof createOverlayNode>[0]): Promise<OverlayNode> {
  const n = await createOverlayNode(init)
  cleanups.push(() => n.stop())
  return n
}

describe('overlay node', () => {
  it('keeps its peer identity across restarts, in a 0600 file', async () => {
    const dataDir = await dir()
    const first = await createOverlayNode({ dataDir })
    const id = first.peerId
    await first.stop()
    const mode = (await stat(join(dataDir, IDENTITY_FILE_NAME))).mode & 0o777
    expect(mode).toBe(0o600)
    const second = await node({ dataDir })
    expect(second.peerId).toBe(id)
    const other = await node({ dataDir: await dir() })
    expect(other.peerId).not.toBe(id)
  })

  it('connects to its bootstrap peers and redials one that restarts', async () => {
    const aDir = await dir()
    let a = await createOverlayNode({ dataDir: aDir })
    const addr = a.multiaddrs()[0]!
    const port = addr.split('/')[4]!
    const b = await node({ dataDir: await dir(), bootstrap: [addr], bootstrapInitialBackoffMs: 20, bootstrapMaxBackoffMs: 100 })
    await waitFor(() => b.connectedPeers().includes(a.peerId), 30_000, 'bootstrap connection')
    await a.stop()
    await waitFor(() => b.connectedPeers().length === 0, 30_000, 'disconnect')
    a = await node({ dataDir: aDir, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    await waitFor(() => b.connectedPeers().includes(a.peerId), 60_000, 'redial after restart')
  })

  it('with a swarm key, admits hosts of the same private network and rejects outsiders', async () => {
    const keyDir = await dir()
    const keyFile = join(keyDir, 'swarm.key')
    const otherKeyFile = join(keyDir, 'other.key')
    await writeFile(keyFile, generateSwarmKeyText())
    await writeFile(otherKeyFile, generateSwarmKeyText())
    const a = await node({ dataDir: await dir(), swarmKeyFile: keyFile })
    const member = await node({ dataDir: await dir(), swarmKeyFile: keyFile })
    const noKey = await node({ dataDir: await dir() })
    const wrongKey = await node({ dataDir: await dir(), swarmKeyFile: otherKeyFile })
    const target = a.libp2p.getMultiaddrs()[0]!
    await member.libp2p.dial(target)
    expect(member.connectedPeers()).toContain(a.peerId)
    await expect(noKey.libp2p.dial(target, { signal: AbortSignal.timeout(1000) })).rejects.toThrow()
    await expect(wrongKey.libp2p.dial(target, { signal: AbortSignal.timeout(1000) })).rejects.toThrow()
    expect(a.connectedPeers()).toEqual([member.peerId])
  })

  it('reports a malformed swarm key or bootstrap address with what it expected', async () => {
    const keyFile = join(await dir(), 'bad.key')
    await writeFile(keyFile, '/key/swarm/psk/1.0.0/\n/base16/\nnothex\n')
    await expect(createOverlayNode({ dataDir: await dir(), swarmKeyFile: keyFile })).rejects.toThrow(SwarmKeyError)
    await expect(createOverlayNode({ dataDir: await dir(), bootstrap: ['/ip4/127.0.0.1/tcp/1'] })).rejects.toThrow(OverlayConfigError)
  })
})

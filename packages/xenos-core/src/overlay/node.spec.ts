import { afterEach, describe, expect, it } from 'vitest'
import { stat } from 'node:fs/promises'
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import { createOverlayNode, type OverlayNode } from './node.js'
import { IDENTITY_FILE_NAME } from './identity.js'
import { InvalidArgumentError } from '../errors.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { tempDir, testAuthority } from './test-helpers.js'
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
let authority: ClusterAuthority | undefined
async function trusted (init: Omit<Parameters<typeof createOverlayNode>[0], 'trust'>): Promise<Parameters<typeof createOverlayNode>[0]> {
  if (authority === undefined) {
    const a = await testAuthority()
    authority = a.authority
    cleanups.unshift(async () => { authority = undefined; await a.remove() })
  }
  return { ...init, trust: await authority.nodeTrust(init.dataDir) }
}
async function node (init: Parameters<typeof createOverlayNode>[0]): Promise<OverlayNode> {
  const n = await createOverlayNode(init.trust === undefined ? await trusted(init) : init)
  cleanups.push(() => n.stop())
  return n
}

describe('overlay node', () => {
  it('keeps its peer identity across restarts, in a 0600 file', async () => {
    const dataDir = await dir()
    const first = await createOverlayNode(await trusted({ dataDir }))
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
    let a = await createOverlayNode(await trusted({ dataDir: aDir }))
    const addr = a.multiaddrs()[0]!
    const port = addr.split('/')[4]!
    const b = await node({ dataDir: await dir(), bootstrap: [addr], bootstrapInitialBackoffMs: 20, bootstrapMaxBackoffMs: 100 })
    await waitFor(() => b.connectedPeers().includes(a.peerId), { timeoutS: 30, what: 'bootstrap connection' })
    await a.stop()
    await waitFor(() => b.connectedPeers().length === 0, { timeoutS: 30, what: 'disconnect' })
    a = await node({ dataDir: aDir, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    await waitFor(() => b.connectedPeers().includes(a.peerId), { timeoutS: 60, what: 'redial after restart' })
  })

  it('completes a handshake slower than libp2p\'s default dial and upgrade timeouts (a loaded machine)', async () => {
    // every byte the listener sends reaches the dialer only 12 s after the connection opened: longer
    // than libp2p's defaults (6 s per address dialled, 10 s per dial and per inbound upgrade)
    const a = await node({ dataDir: await dir() })
    const [, , , , port, , id] = a.multiaddrs()[0]!.split('/')
    const proxy = await slowProxy(Number(port), 12_000)
    const b = await node({ dataDir: await dir(), bootstrap: [`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${id}`] })
    await waitFor(() => b.connectedPeers().includes(a.peerId), { timeoutS: 90, what: 'a connection through the slow link' })
  })

  it('reports a malformed bootstrap address with what it expected', async () => {
    await expect(createOverlayNode({ dataDir: await dir(), insecureOpenOverlay: true, warn: () => {}, bootstrap: ['/ip4/127.0.0.1/tcp/1'] }))
      .rejects.toThrow(InvalidArgumentError)
  })
})

/** A TCP relay to `port` on loopback that holds what the target sends until `delayMs` after the connection opened. */
async function slowProxy (port: number, delayMs: number): Promise<{ port: number }> {
  const server: Server = createServer((client) => {
    const openedAt = performance.now()
    const target = createConnection({ host: '127.0.0.1', port })
    let chain = Promise.resolve()
    target.on('data', (chunk) => {
      chain = chain
        .then(async () => { await new Promise(resolve => setTimeout(resolve, Math.max(0, openedAt + delayMs - performance.now()))) })
        .then(() => { if (!client.destroyed) client.write(chunk) })
    })
    client.pipe(target)
    const close = (): void => { client.destroy(); target.destroy() }
    client.on('error', close).on('close', close)
    target.on('error', close).on('close', () => { void chain.then(close) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => { await new Promise(resolve => server.close(resolve)) })
  return { port: (server.address() as AddressInfo).port }
}

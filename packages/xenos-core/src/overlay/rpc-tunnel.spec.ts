import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOverlayNode, type OverlayNode } from './node.js'
import { RpcTunnel } from './rpc-tunnel.js'
import { FrameError, RemoteError } from './errors.js'
import { tempDir, testAuthority } from './test-helpers.js'
import type { ClusterAuthority } from '../trust/authority.js'

let server: OverlayNode
let client: OverlayNode
let silentDir: string
let authority: ClusterAuthority
const cleanups: Array<() => Promise<void>> = []
const enc = new TextEncoder()
const dec = new TextDecoder()

beforeAll(async () => {
  const dirs = [await tempDir(), await tempDir(), await tempDir()]
  for (const d of dirs) cleanups.push(d.remove)
  silentDir = dirs[2]!.path
  const cluster = await testAuthority()
  cleanups.push(cluster.remove)
  authority = cluster.authority
  server = await createOverlayNode({ dataDir: dirs[0]!.path, trust: await authority.nodeTrust(dirs[0]!.path) })
  client = await createOverlayNode({ dataDir: dirs[1]!.path, trust: await authority.nodeTrust(dirs[1]!.path) })
  const tunnel = new RpcTunnel(server.libp2p, { maxRequestBytes: 1000 })
  await tunnel.serve(async (request, remotePeer) => {
    const text = dec.decode(request)
    if (text === 'boom') throw new Error('handler exploded')
    return enc.encode(`<answer from="${remotePeer}">${text.toUpperCase()}</answer>`)
  })
})
afterAll(async () => {
  await client.stop()
  await server.stop()
  for (const c of cleanups) await c()
})

describe('rpc tunnel', () => {
  it('carries a request to a peer by multiaddr and the response back, naming the caller', async () => {
    const tunnel = new RpcTunnel(client.libp2p)
    const response = await tunnel.call(server.multiaddrs()[0]!, enc.encode('<methodCall/>'))
    expect(dec.decode(response)).toBe(`<answer from="${client.peerId}"><METHODCALL/></answer>`)
    // once connected, the peer id alone is enough
    expect(dec.decode(await tunnel.call(server.peerId, enc.encode('x')))).toContain('>X<')
  })

  it('reports a failing handler as a RemoteError and keeps serving', async () => {
    const tunnel = new RpcTunnel(client.libp2p)
    await expect(tunnel.call(server.peerId, enc.encode('boom'))).rejects.toThrow(RemoteError)
    await expect(tunnel.call(server.peerId, enc.encode('boom'))).rejects.toThrow(/handler exploded/)
    expect(dec.decode(await tunnel.call(server.peerId, enc.encode('ok')))).toContain('OK')
  })

  it('refuses an oversized request on both sides and keeps serving', async () => {
    const small = new RpcTunnel(client.libp2p, { maxRequestBytes: 10 })
    await expect(small.call(server.peerId, new Uint8Array(11))).rejects.toThrow(FrameError)
    const big = new RpcTunnel(client.libp2p, { maxRequestBytes: 1 << 20, timeoutMs: 30_000 })
    await expect(big.call(server.peerId, new Uint8Array(5000))).rejects.toThrow()
    expect(dec.decode(await big.call(server.peerId, enc.encode('still here')))).toContain('STILL HERE')
  })

  it('times out against a peer that never answers', async () => {
    const tunnel = new RpcTunnel(client.libp2p, { timeoutMs: 300 })
    // a server registered under the real protocol that never answers
    const silent = await createOverlayNode({ dataDir: silentDir, trust: await authority.nodeTrust(silentDir) })
    try {
      await silent.libp2p.handle('/xenos/xmlrpc/1.0.0', () => undefined)
      await expect(tunnel.call(silent.multiaddrs()[0]!, enc.encode('hello'))).rejects.toThrow(/deadline/)
    } finally {
      await silent.stop()
    }
  })
})

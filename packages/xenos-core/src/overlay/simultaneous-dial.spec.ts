import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection, Stream } from '@libp2p/interface'
import { waitFor } from '@xenos/hypervisor-interface'
import { createOverlayNode, type OverlayNode } from './node.js'
import { FrameReader, writeFrame } from './frames.js'
import { tempDir, trustFor } from './test-helpers.js'
import { dialedPeer } from './simultaneous-dial.js'

const ECHO = '/xenos/test-echo/1.0.0'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Host { node: OverlayNode, opened: Connection[] }

/** A closed-overlay node answering ECHO, and every connection that opened on it. */
async function host (): Promise<Host> {
  const dir = await tempDir()
  cleanups.push(dir.remove)
  const node = await createOverlayNode({ dataDir: dir.path, trust: await trustFor(dir.path) })
  cleanups.push(() => node.stop())
  const opened: Connection[] = []
  node.libp2p.addEventListener('connection:open', (evt) => { opened.push(evt.detail) })
  await node.libp2p.handle(ECHO, async (stream) => {
    const body = await new FrameReader(stream).read(1024)
    await writeFrame(stream, body ?? new Uint8Array(0))
    await stream.close()
  })
  return { node, opened }
}

/** Two hosts, the one with the smaller peer id first. */
async function pair (): Promise<[Host, Host]> {
  const [x, y] = await Promise.all([host(), host()])
  return x.node.peerId < y.node.peerId ? [x, y] : [y, x]
}

async function echo (stream: Stream, text: string): Promise<string> {
  await writeFrame(stream, new TextEncoder().encode(text))
  const body = await new FrameReader(stream).read(1024)
  await stream.close()
  return new TextDecoder().decode(body ?? new Uint8Array(0))
}

const addrOf = (h: Host): ReturnType<typeof multiaddr> => multiaddr(h.node.multiaddrs()[0]!)
const connectionsTo = (from: Host, to: Host): Connection[] => from.node.libp2p.getConnections().filter(c => c.remotePeer.toString() === to.node.peerId)
const openedTo = (from: Host, to: Host): Connection[] => from.opened.filter(c => c.remotePeer.toString() === to.node.peerId)

describe('simultaneous dials', () => {
  it('two hosts that open streams to each other at the same moment share one connection, the smaller\'s, and both calls are answered', async () => {
    const [smaller, larger] = await pair()
    for (let round = 1; round <= 3; round++) {
      // both dial before either has a connection: without the tie-break each would keep its own
      const answers = await Promise.all([
        smaller.node.libp2p.dialProtocol(addrOf(larger), ECHO).then(async stream => await echo(stream, `from smaller ${round}`)),
        larger.node.libp2p.dialProtocol(addrOf(smaller), ECHO).then(async stream => await echo(stream, `from larger ${round}`))
      ])
      expect(answers).toEqual([`from smaller ${round}`, `from larger ${round}`])
      expect(connectionsTo(smaller, larger).map(c => c.direction)).toEqual(['outbound'])
      expect(connectionsTo(larger, smaller).map(c => c.direction)).toEqual(['inbound'])
      // the other one never opened, on either side
      expect(openedTo(smaller, larger)).toHaveLength(round)
      expect(openedTo(larger, smaller)).toHaveLength(round)
      // later calls, both ways, run on it
      expect(await echo(await larger.node.libp2p.dialProtocol(addrOf(smaller), ECHO), 'again')).toBe('again')
      expect(await echo(await smaller.node.libp2p.dialProtocol(larger.node.libp2p.peerId, ECHO), 'and again')).toBe('and again')
      expect(openedTo(larger, smaller)).toHaveLength(round)
      await smaller.node.libp2p.hangUp(larger.node.libp2p.peerId)
      await waitFor(() => connectionsTo(smaller, larger).length === 0 && connectionsTo(larger, smaller).length === 0, {
        timeoutS: 60, what: 'both ends to see the connection closed'
      })
    }
  })

  it('accepts the larger host\'s connection once the smaller host\'s own dial of it fails', async () => {
    const [smaller, larger] = await pair()
    // an address of the larger host where nothing ever answers the handshake
    const silent: Socket[] = []
    const server = createServer((socket) => { silent.push(socket) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => {
      for (const s of silent) s.destroy()
      await new Promise(resolve => server.close(resolve))
    })
    const deadEnd = multiaddr(`/ip4/127.0.0.1/tcp/${(server.address() as AddressInfo).port}/p2p/${larger.node.peerId}`)
    const stuck = smaller.node.libp2p.dial(deadEnd, { signal: AbortSignal.timeout(3000) }).then(() => 'connected', () => 'failed')
    await waitFor(() => silent.length === 1, { timeoutS: 60, what: 'the smaller host\'s dial to reach the silent address' })
    // the larger host's connection waits for that dial, then is accepted when it fails
    expect(await echo(await larger.node.libp2p.dialProtocol(addrOf(smaller), ECHO, { signal: AbortSignal.timeout(120_000) }), 'through')).toBe('through')
    expect(await stuck).toBe('failed')
    expect(connectionsTo(larger, smaller).map(c => c.direction)).toEqual(['outbound'])
    expect(connectionsTo(smaller, larger).map(c => c.direction)).toEqual(['inbound'])
  })

  it('reads the peer a dial names', () => {
    const id = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
    expect(dialedPeer(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${id}`))).toBe(id)
    expect(dialedPeer([multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${id}`), multiaddr(`/ip4/127.0.0.2/tcp/1/p2p/${id}`)])).toBe(id)
    expect(dialedPeer(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBeUndefined()
  })
})

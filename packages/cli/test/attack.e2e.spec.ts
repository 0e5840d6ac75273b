/**
 * Attacks on a running `xenos sim-cluster`, made from outside the project's
 * client code: a bare js-libp2p node (TCP, Noise, Yamux, nothing of Xenos)
 * that speaks the overlay's XML-RPC tunnel by hand, and raw HTTP requests
 * with hand-written XML-RPC documents.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise, type NoiseComponents } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash } from 'node:crypto'
import { lpStream } from '@libp2p/utils'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { ConnectionEncrypter, PrivateKey } from '@libp2p/interface'
import { ClusterAuthority } from '@xenos/core'
import { waitFor } from '@xenos/hypervisor-interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePorts } from './support/free-ports.js'

const cliDir = fileURLToPath(new URL('..', import.meta.url))
const repoDir = join(cliDir, '..', '..')

/** A hand-written XML-RPC call of strings and arrays of strings. */
function methodCall (method: string, params: Array<string | Array<string | string[]>>): string {
  const value = (v: string | Array<string | string[]>): string => typeof v === 'string'
    ? `<value><string>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</string></value>`
    : `<value><array><data>${v.map(value).join('')}</data></array></value>`
  const paramsXml = params.map(p => `<param>${value(p)}</param>`).join('')
  return `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${paramsXml}</params></methodCall>`
}

/** POSTs a document to an API URL; returns the HTTP status and body. */
async function rawHttp (url: string, body: string, token?: string): Promise<{ status: number, text: string }> {
  const headers = { 'Content-Type': 'text/xml', ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) }
  const res = await fetch(url, { method: 'POST', headers, body })
  return { status: res.status, text: await res.text() }
}

function faultCode (xml: string): number | undefined {
  const m = /<name>faultCode<\/name>\s*<value>\s*<(?:int|i4)>(-?\d+)<\/(?:int|i4)>/.exec(xml)
  return m === null ? undefined : Number(m[1])
}

/**
 * The cluster's handshake as docs/security.md describes it, written here from
 * that description: Noise with the prologue SHA-256("xenos-overlay-psk-v1"
 * NUL swarm key), negotiated as /xenos/noise-admission/1.0.0; then the dialer
 * sends its admission record (an unsigned-varint length, then the record's
 * JSON) and reads the listener's.
 */
function admissionNoise (record: string, swarmKey: Uint8Array): (components: NoiseComponents) => ConnectionEncrypter {
  return (components) => {
    const inner = noise({ prologueBytes: createHash('sha256').update('xenos-overlay-psk-v1\0').update(swarmKey).digest() })(components)
    const exchange = async <T extends { connection: Parameters<typeof lpStream>[0] }>(secured: T): Promise<T> => {
      const lp = lpStream(secured.connection)
      await lp.write(new TextEncoder().encode(record))
      await lp.read()
      return { ...secured, connection: lp.unwrap() }
    }
    return {
      protocol: '/xenos/noise-admission/1.0.0',
      secureInbound: async (c, o) => await exchange(await inner.secureInbound(c, o)),
      secureOutbound: async (c, o) => await exchange(await inner.secureOutbound(c, o))
    } as ConnectionEncrypter
  }
}

/**
 * A bare libp2p node: no Xenos code. With nothing, it has no swarm key and no
 * admission; the other options give it what an attacker may have stolen.
 */
async function bareNode (stolen: { swarmKey?: Uint8Array, admission?: string, privateKey?: PrivateKey } = {}): Promise<Libp2p> {
  return await createLibp2p({
    ...(stolen.privateKey === undefined ? {} : { privateKey: stolen.privateKey }),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [stolen.swarmKey === undefined ? noise() : admissionNoise(stolen.admission ?? '{}', stolen.swarmKey)],
    streamMuxers: [yamux()]
  })
}

/**
 * One XML-RPC request over `/xenos/xmlrpc/1.0.0` as the protocol is documented
 * (docs/api.md): a frame of a 4-byte big-endian length and the request bytes;
 * the answer is one frame whose first byte is 0 (then the response) or 1
 * (then an error message).
 */
async function tunnelCall (node: Libp2p, addr: string, xml: string): Promise<{ status: number, text: string }> {
  const stream = await node.dialProtocol(multiaddr(addr), '/xenos/xmlrpc/1.0.0', { signal: AbortSignal.timeout(20_000) })
  const body = new TextEncoder().encode(xml)
  const header = new Uint8Array(4)
  new DataView(header.buffer).setUint32(0, body.byteLength)
  stream.send(header)
  stream.send(body)
  await stream.close()
  const chunks: Uint8Array[] = []
  for await (const c of stream as AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>) chunks.push(c instanceof Uint8Array ? c : c.subarray())
  const all = Buffer.concat(chunks)
  const length = all.readUInt32BE(0)
  const frame = all.subarray(4, 4 + length)
  return { status: frame[0]!, text: frame.subarray(1).toString('utf8') }
}

const nodeArgs = [
  '--conditions=@xenos/source', '--experimental-transform-types', '--no-warnings',
  '--import', join(repoDir, 'packages', 'xenos-core', 'test', 'support', 'ts-register.mjs'), join(cliDir, 'test', 'support', 'xenos.ts')
]

/** Runs the `xenos` command; resolves to its exit code, its standard output, and both outputs together. */
async function xenos (args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, out: string }> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let out = ''
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const code = await new Promise<number>(resolve => child.once('exit', (c) => { resolve(c ?? -1) }))
  return { code, stdout, out }
}

interface SimCluster {
  child: ChildProcess
  out: () => string
  hosts: Array<{ name: string, apiUrl: string, peerId: string, addr: string }>
  adminToken: string
}

async function startSimCluster (dataDir: string): Promise<SimCluster> {
  const apiPort = await freePorts(3)
  const p2pPort = await freePorts(3)
  const child = spawn(process.execPath, [
    ...nodeArgs,
    'sim-cluster', '--hosts', '3', '--services', join(repoDir, 'examples', 'services'), '--data-dir', dataDir,
    '--api-port', String(apiPort), '--p2p-port', String(p2pPort)
  ], { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => { reject(new Error(`expected sim-cluster to print its admin token within 150 s, found:\n${out}`)) }, 150_000)
    const check = (): void => { if (/admin token: \S+/.test(out)) { clearTimeout(deadline); resolve() } }
    child.stdout!.on('data', check)
    child.once('exit', (code) => { clearTimeout(deadline); reject(new Error(`sim-cluster exited with ${code}:\n${out}`)) })
  })
  const hosts = [...out.matchAll(/^ {2}(\S+)\s+(https?:\/\/\S+)\s+(12D3\S+)/gm)].map((m, i) => ({
    name: m[1]!, apiUrl: m[2]!, peerId: m[3]!, addr: `/ip4/127.0.0.1/tcp/${p2pPort + i}/p2p/${m[3]!}`
  }))
  return { child, out: () => out, hosts, adminToken: /admin token: (\S+)/.exec(out)![1]! }
}

let dir = ''
let cluster: SimCluster
const attackers: Libp2p[] = []
async function attacker (stolen: Parameters<typeof bareNode>[0] = {}): Promise<Libp2p> {
  const node = await bareNode(stolen)
  attackers.push(node)
  return node
}
const clusterDir = (): string => join(dir, 'sim', 'cluster')
/** The 32 bytes of the cluster's swarm key file (third line, hexadecimal). */
const stolenSwarmKey = async (): Promise<Uint8Array> => Buffer.from((await readFile(join(clusterDir(), 'swarm.key'), 'utf8')).split('\n')[2]!.trim(), 'hex')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-attack-'))
  cluster = await startSimCluster(join(dir, 'sim'))
  expect(cluster.hosts).toHaveLength(3)
})

afterAll(async () => {
  for (const a of attackers) await a.stop()
  if (cluster !== undefined && cluster.child.exitCode === null) {
    const exited = new Promise(resolve => cluster.child.once('exit', resolve))
    cluster.child.kill('SIGTERM')
    await exited
  }
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

async function web1 (): Promise<{ id: string, grantees: string }> {
  const r = await rawHttp(cluster.hosts[0]!.apiUrl, methodCall('xenos.getService', ['web-1']), cluster.adminToken)
  expect(faultCode(r.text), r.text).toBeUndefined()
  const id = /<name>id<\/name>\s*<value>\s*<string>([^<]+)<\/string>/.exec(r.text)![1]!
  const grantees = /<name>grantees<\/name>\s*<value>\s*<array>\s*<data>([\s\S]*?)<\/data>/.exec(r.text)?.[1] ?? ''
  return { id, grantees }
}

describe('a bare libp2p node without the cluster\'s credentials', () => {
  it('cannot make a coordinator act for a user it names ("mallory", role admin, calling xenos.grant)', async () => {
    const { id } = await web1()
    const claim = methodCall('xenos.peer.invoke', ['mallory', 'admin', 'xenos.grant', [id, 'mallory']])
    const answer = await tunnelCall(await attacker(), cluster.hosts[0]!.addr, claim)
      .catch((err: Error) => ({ status: -1, text: `refused: ${err.name}: ${err.message}` }))
    // Whatever the way it is refused (no connection, an error, a fault), the grant must not happen.
    expect(answer.status !== 0 || faultCode(answer.text) !== undefined, `the claim was answered: ${answer.text}`).toBe(true)
    expect((await web1()).grantees).not.toContain('mallory')
  })
})

/** How the attacks wait for the cluster to act: up to a minute, asking five times a second. */
const POLL = { timeoutS: 60, intervalS: 0.2 }

const refusedToConnect = async (node: Libp2p, addr: string): Promise<string> => {
  const err = await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(15_000) }).then(() => undefined, (e: Error) => e)
  expect(err, 'the connection was accepted').toBeInstanceOf(Error)
  return err!.message
}

describe('a node holding some of the cluster\'s secrets', () => {
  it('cannot connect with the swarm key alone: an admission record it signed itself is refused', async () => {
    const swarmKey = await stolenSwarmKey()
    const forger = await ClusterAuthority.create(join(dir, 'forger'))
    const node = await attacker({ swarmKey })
    const record = JSON.stringify(forger.admit(node.peerId.toString()))
    const withForged = await attacker({ swarmKey, admission: record })
    await refusedToConnect(node, cluster.hosts[0]!.addr)
    await refusedToConnect(withForged, cluster.hosts[0]!.addr)
  })

  it('with a host\'s stolen key and admission, still cannot act for a user it names, nor with forged, foreign or expired tokens', async () => {
    const host = cluster.hosts[1]!
    const privateKey = privateKeyFromProtobuf(await readFile(join(dir, 'sim', host.name, 'overlay', 'peer-key')))
    const authority = await ClusterAuthority.load(clusterDir())
    const node = await attacker({ swarmKey: await stolenSwarmKey(), privateKey, admission: JSON.stringify(authority.admit(host.peerId)) })
    const { id } = await web1()
    const target = cluster.hosts[0]!.addr
    // the claim of the issue, word for word: refused (the user's own credentials must come with a forwarded call)
    const old = await tunnelCall(node, target, methodCall('xenos.peer.invoke', ['mallory', 'admin', 'xenos.grant', [id, 'mallory']]))
    expect(old.status === 0 ? faultCode(old.text) : -1).toBeDefined()
    const expired = (await ClusterAuthority.load(clusterDir(), { now: () => Date.now() - 3600_000 })).issueToken('mallory', 'admin', { ttlMs: 60_000 }).token
    const foreign = (await ClusterAuthority.create(join(dir, 'other'))).issueToken('mallory', 'admin').token
    const refused = [
      ['', 401], ['Bearer xenos1.bm90.c2ln', 401], [`Bearer ${foreign}`, 401], [`Bearer ${expired}`, 401], ['Basic bWFsbG9yeTphZG1pbg==', 401]
    ] as const
    for (const [authorization, code] of refused) {
      const r = await tunnelCall(node, target, methodCall('xenos.peer.invoke', [authorization, 'xenos.grant', [id, 'mallory']]))
      expect(r.status, r.text).toBe(0)
      expect(faultCode(r.text), `${authorization}: ${r.text}`).toBe(code)
    }
    expect((await web1()).grantees).not.toContain('mallory')
  })
})

describe('user tokens on a running cluster', () => {
  it('a user added is accepted at once on every host; revoked, it is refused everywhere, with no restart', async () => {
    const added = await xenos(['users', 'add', 'carol', '--cluster', clusterDir(), '--ttl', '1h', '--api', cluster.hosts[0]!.apiUrl])
    expect(added.code, added.out).toBe(0)
    const token = added.stdout.trim().split('\n')[0]!
    const hostInfo = methodCall('xenos.hostInfo', [])
    for (const h of cluster.hosts) expect(faultCode((await rawHttp(h.apiUrl, hostInfo, token)).text)).toBeUndefined()
    // the users list reached the hosts: an administrator may now grant carol a service, on any host
    const { id } = await web1()
    const grant = methodCall('xenos.grant', [id, 'carol'])
    const granted = async (): Promise<boolean> => faultCode((await rawHttp(cluster.hosts[0]!.apiUrl, grant, cluster.adminToken)).text) === undefined
    await waitFor(granted, { what: 'a grant to carol', ...POLL })
    const revoked = await xenos(['users', 'revoke', 'carol', '--cluster', clusterDir(), '--api', cluster.hosts[0]!.apiUrl])
    expect(revoked.code, revoked.out).toBe(0)
    for (const h of cluster.hosts) {
      const refused = async (): Promise<boolean> => faultCode((await rawHttp(h.apiUrl, hostInfo, token)).text) === 401
      await waitFor(refused, { what: `${h.name} to refuse carol's revoked token`, ...POLL })
    }
    // an expired token (the issuing key's, an hour old) is refused too
    const old = (await ClusterAuthority.load(clusterDir(), { now: () => Date.now() - 3600_000 })).issueToken('dave', 'admin', { ttlMs: 60_000 }).token
    expect(faultCode((await rawHttp(cluster.hosts[1]!.apiUrl, hostInfo, old)).text)).toBe(401)
    expect(faultCode((await rawHttp(cluster.hosts[1]!.apiUrl, hostInfo, cluster.adminToken)).text)).toBeUndefined()
  })
})

describe('a revoked host', () => {
  it('is cut off and refused when it reconnects, by every host', async () => {
    const victim = cluster.hosts[1]!
    const authority = await ClusterAuthority.load(clusterDir())
    const stolen = {
      swarmKey: await stolenSwarmKey(),
      privateKey: privateKeyFromProtobuf(await readFile(join(dir, 'sim', victim.name, 'overlay', 'peer-key'))),
      admission: JSON.stringify(authority.admit(victim.peerId))
    }
    const before = await attacker(stolen)
    await before.dial(multiaddr(cluster.hosts[0]!.addr), { signal: AbortSignal.timeout(15_000) })
    await before.stop()
    const revoked = await xenos(['hosts', 'revoke', victim.peerId, '--cluster', clusterDir(), '--api', cluster.hosts[0]!.apiUrl])
    expect(revoked.code, revoked.out).toBe(0)
    const status = methodCall('xenos.trust.status', [])
    const others = cluster.hosts.filter(h => h !== victim)
    for (const h of others) {
      const holdsRevocation = async (): Promise<boolean> =>
        /<name>hostsVersion<\/name>\s*<value>\s*<int>1<\/int>/.test((await rawHttp(h.apiUrl, status, cluster.adminToken)).text)
      await waitFor(holdsRevocation, { what: `${h.name} to hold the revocation`, ...POLL })
    }
    // the real host is cut off: the others' searches no longer get its answer
    const search = methodCall('xenos.searchHosts', [''])
    const victimFound = new RegExp(`<name>hostname</name>\\s*<value>\\s*<string>${victim.name}</string>`)
    const dropped = async (): Promise<boolean> => !victimFound.test((await rawHttp(others[0]!.apiUrl, search, cluster.adminToken)).text)
    await waitFor(dropped, { what: `${victim.name} to drop out of search results`, ...POLL })
    for (const h of others) {
      const again = await attacker(stolen)
      await refusedToConnect(again, h.addr)
    }
  })
})

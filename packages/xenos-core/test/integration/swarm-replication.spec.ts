/**
 * Swarming template replication with real bytes: six coordinators over real
 * libp2p whose image stores are directories; one holds the template (its
 * upload capped), five replicate it at the same time. The five find each
 * other through the image's swarm and serve each other chunks, every copy
 * arrives bit for bit, and the bytes each host reports add up. A fetcher
 * that dies mid-swarm (its whole coordinator stopped after it served chunks)
 * does not stop the others.
 *
 * The holder serves no chunk until every fetcher knows the other four are in
 * the swarm (a condition, not a delay), so fetchers meet before the holder
 * alone could have sent them everything. How much each one then gets from
 * the others depends on how fast this machine moves bytes (on a starved CPU
 * the encrypted loopback streams are slower than the holder's cap), so this
 * test asserts only that the fetchers traded; how much, and that the first
 * holder sends about one copy, is a property of the algorithm measured on
 * the simulated network, where time is the model's.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '@xenos/hypervisor-interface'
import type { XenosHost } from '../../src/coordinator/index.js'
import { startTestCluster, type TestCluster } from '../../src/testing/index.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { fileStoreDriver } from '../support/file-store-driver.js'
import { webTemplate } from '../support/harness.js'

const NAMES = ['s1', 's2', 's3', 's4', 's5', 's6']
/** 8 chunks of 4 MiB (the fetcher's chunk size), the last one short. */
const SIZE = 32 * 1024 * 1024 - 4321
/** The holder's upload: one copy takes about 1.7 s from it alone. */
const HOLDER_BPS = 20_000_000
let dir: string
let cluster: TestCluster
let hosts: readonly XenosHost[] = []
let digest: string
let dbDigest: string

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-swarm-'))
  const fake = new FakeCluster(NAMES.map(name => ({ name })))
  const bytes = randomBytes(SIZE)
  digest = sha(bytes)
  const tpl = webTemplate('web')
  tpl.images[0]!.sizeBytes = SIZE
  const db = webTemplate('db')
  db.images[0]!.sizeBytes = SIZE
  const dbBytes = randomBytes(SIZE)
  dbDigest = sha(dbBytes)
  const members = []
  for (const [i, name] of NAMES.entries()) {
    const imageDir = join(dir, name, 'images')
    await mkdir(join(imageDir, 'templates', 'web'), { recursive: true })
    await mkdir(join(imageDir, 'templates', 'db'), { recursive: true })
    if (i === 0) await writeFile(join(imageDir, 'templates', 'web', 'xvda.img'), bytes)
    if (i === 0) await writeFile(join(imageDir, 'templates', 'db', 'xvda.img'), dbBytes)
    members.push({
      driver: fileStoreDriver(fake.driver(name), imageDir),
      templates: i === 0 ? [tpl, db] : [],
      init: { imageDir, ...(i === 0 ? { chunkServer: { uploadBps: HOLDER_BPS } } : {}) }
    })
  }
  cluster = await startTestCluster({ hosts: members, dir })
  hosts = cluster.hosts
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** The holder's chunks wait for `open()`; manifests and "have" answers do not. */
function gateHolder (): { open: () => void } {
  const service = hosts[0]!.overlay.chunkServer.service
  const pace = service['pace'].bind(service)
  let open!: () => void
  const opened = new Promise<void>((resolve) => { open = resolve })
  service['pace'] = async (bytes: number) => { await opened; await pace(bytes) }
  return { open }
}
afterEach(() => { delete (hosts[0]!.overlay.chunkServer.service as unknown as Record<string, unknown>)['pace'] })

/** Resolves once each of `fetchers` sees every other one in a swarm group. */
async function swarmFormed (fetchers: readonly XenosHost[]): Promise<void> {
  await waitFor(() => fetchers.every((h) => {
    const swarms = h.overlay.groups.localGroups().filter(g => g.startsWith('swarm-'))
    return swarms.length === 1 && fetchers.every(o => o === h || h.membership.get(o.peerId)?.groups.includes(swarms[0]!) === true)
  }), { timeoutS: 60, what: 'the fetchers all to find each other in the swarm' })
}

describe('swarming replication', () => {
  it('five hosts replicating at once serve each other chunks and each copy is intact', async () => {
    const gate = gateHolder()
    const replications = Promise.all(hosts.slice(1).map(async h => await h.coordinator.replicateTemplate('web', { method: 'chunked' })))
    await swarmFormed(hosts.slice(1))
    gate.open()
    const results = await replications
    for (const [k, r] of results.entries()) {
      const name = NAMES[k + 1]!
      expect(r.holders).toEqual(['s1'])
      expect(r.bytes).toBe(SIZE)
      expect(Object.values(r.bytesBySource).reduce((s, b) => s + b, 0)).toBe(SIZE)
      // every source is named by its host name (members announce theirs)
      expect(Object.keys(r.bytesBySource).filter(s => !NAMES.includes(s))).toEqual([])
      expect(sha(await readFile(join(dir, name, 'images', 'templates', 'web', 'xvda.img')))).toBe(digest)
      // the swarm group is left once the fetch is over
      expect(hosts[k + 1]!.overlay.groups.localGroups().filter(g => g.startsWith('swarm-'))).toEqual([])
    }
    // the fetchers served each other, and every byte a fetcher kept was sent by the host it names
    // (a chunk sent again after a timeout on a busy machine counts as sent, not as kept)
    const nameOf = (source: string): string => NAMES[hosts.findIndex(h => h.peerId === source)] ?? source
    const kept = new Map<string, number>()
    for (const r of results) {
      for (const [source, b] of Object.entries(r.bytesBySource)) kept.set(nameOf(source), (kept.get(nameOf(source)) ?? 0) + b)
    }
    for (const [i, h] of hosts.entries()) expect(h.overlay.chunkServer.sentBytes).toBeGreaterThanOrEqual(kept.get(NAMES[i]!) ?? 0)
    expect([...kept].filter(([source]) => source !== 's1').reduce((s, [, b]) => s + b, 0)).toBeGreaterThan(0)
  }, 120_000)

  it('a fetcher that dies mid-swarm does not stop the others', async () => {
    const fetchers = hosts.slice(1)
    const sentBefore = fetchers.map(h => h.overlay.chunkServer.sentBytes)
    const gate = gateHolder()
    const replications = Promise.allSettled(fetchers.map(async h => await h.coordinator.replicateTemplate('db', { method: 'chunked' })))
    await swarmFormed(fetchers)
    gate.open()
    // the victim: the first fetcher that has served chunks to the others
    const served = (): number => fetchers.findIndex((h, k) => h.overlay.chunkServer.sentBytes > sentBefore[k]!)
    await waitFor(() => served() !== -1, { timeoutS: 60, intervalS: 0.005, what: 'a fetcher to serve a chunk to another' })
    const victim = served()
    await fetchers[victim]!.stop()
    const results = await replications
    for (const [k, r] of results.entries()) {
      if (k === victim) continue
      expect(r.status).toBe('fulfilled')
      expect(sha(await readFile(join(dir, NAMES[k + 1]!, 'images', 'templates', 'db', 'xvda.img')))).toBe(dbDigest)
    }
  }, 120_000)
})

/**
 * Template replication with real bytes: three coordinators over real
 * libp2p whose image stores are directories; the template's image (random
 * bytes) reaches the third host by verified chunks from two holders, or by
 * the paper's whole copy then local copy, and arrives bit for bit.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { XenosHost } from '../../src/coordinator/index.js'
import { startTestCluster, type TestCluster } from '../../src/testing/index.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { fileStoreDriver } from '../support/file-store-driver.js'
import { webTemplate } from '../support/harness.js'
import { waitFor } from '@xenos/hypervisor-interface'
import { FaultCode } from '../../src/xmlrpc/fault.js'

const SIZE = 9 * 1024 * 1024 + 12345
let dir: string
let cluster: TestCluster
let hosts: readonly XenosHost[] = []
let digest: string

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-files-'))
  const fake = new FakeCluster([{ name: 'f1' }, { name: 'f2' }, { name: 'f3' }, { name: 'f4' }, { name: 'f5' }])
  const bytes = randomBytes(SIZE)
  digest = sha(bytes)
  const tpl = webTemplate('web')
  tpl.images[0]!.sizeBytes = SIZE
  const members = []
  for (const [i, name] of ['f1', 'f2', 'f3', 'f4', 'f5'].entries()) {
    const imageDir = join(dir, name, 'images')
    await mkdir(join(imageDir, 'templates', 'web'), { recursive: true })
    const holder = i < 2
    if (holder) await writeFile(join(imageDir, 'templates', 'web', 'xvda.img'), bytes)
    members.push({ driver: fileStoreDriver(fake.driver(name), imageDir), templates: holder ? [tpl] : [], init: { imageDir } })
  }
  cluster = await startTestCluster({ hosts: members, dir })
  hosts = cluster.hosts
})

afterAll(async () => {
  await cluster?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('replication with real bytes over libp2p', () => {
  it('names every other host from the membership, before any search taught it their names', () => {
    expect(hosts[3]!.coordinator.members().map(m => [m.host, m.state])).toEqual([['f1', 'alive'], ['f2', 'alive'], ['f3', 'alive'], ['f5', 'alive']])
  })

  it('fetches verified chunks from both holders', async () => {
    const r = await hosts[2]!.coordinator.replicateTemplate('web', { method: 'chunked' })
    expect(r.holders.sort()).toEqual(['f1', 'f2'])
    expect(r.bytes).toBe(SIZE)
    const got = await readFile(join(dir, 'f3', 'images', 'templates', 'web', 'xvda.img'))
    expect(sha(got)).toBe(digest)
    expect(await readdir(join(dir, 'f3', 'images', 'templates', 'web'))).toEqual(['xvda.img'])
  })

  it('copies the whole image from one holder then locally (the paper\'s method)', async () => {
    const r = await hosts[3]!.coordinator.replicateTemplate('web', { method: 'whole-copy', fromPeers: ['f2'] })
    expect(r).toMatchObject({ method: 'whole-copy', bytes: SIZE, holders: ['f2'] })
    expect(sha(await readFile(join(dir, 'f4', 'images', 'templates', 'web', 'xvda.img')))).toBe(digest)
    expect(await readdir(join(dir, 'f4', 'images', 'staging', 'web'))).toEqual([])
  })

  it('fails with 503 naming the holder and what happened when its only holder stops mid-fetch, and leaves a failed event', async () => {
    const [holder, fetcher] = [hosts[0]!, hosts[4]!]
    // the holder's chunks wait until it has stopped: the fetch has its manifest, then loses its only source
    const server = holder.overlay.chunkServer.service as unknown as Record<string, (bytes: number) => Promise<void>>
    let asked = false
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    server['pace'] = async () => { asked = true; await held }
    const replication = cluster.client('f5').call('xenos.replicateTemplate', ['web', { holders: ['f1'], method: 'chunked' }])
    const settled = replication.then(() => undefined, (err: unknown) => err)
    await waitFor(() => asked, { what: 'the holder to be asked for a chunk', timeoutS: 60 })
    await holder.stop()
    release()
    const err = await settled
    expect(err).toMatchObject({ faultCode: FaultCode.UNAVAILABLE })
    expect((err as Error).message).toMatch(/TransferError: .*f1: /)
    expect(fetcher.coordinator.events(0).events.find(e => e.kind === 'failed' && e.subject === 'web')?.detail).toMatch(/^replication from f1: .*f1: /)
  })
})

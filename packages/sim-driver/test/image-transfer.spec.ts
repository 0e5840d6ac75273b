/**
 * A checkpoint moved through the image port chunk by chunk (what xenos-core's
 * fetch does, without its scheduling) is a checkpoint on the fetching host:
 * its driver restores the domain from it with the saved name, uuid and
 * memory. What makes it restorable travels in the first chunk's stand-in,
 * which the manifest covers like every other chunk.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ImageNotFoundError } from '@xenos/hypervisor-interface'
import { MiB, runningDomain, specFor, testPlatform } from './fixtures.js'
import { CHECKPOINT_HEADER_BYTES, SimCluster } from '../src/index.js'

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

describe('image port: checkpoints', () => {
  it('a checkpoint fetched chunk by chunk is restorable on the fetcher, with the saved name, uuid and memory', async () => {
    const cluster = new SimCluster({ platform: testPlatform({ hosts: 2 }), seed: 1 })
    try {
      const [a, b] = [cluster.driver('h1'), cluster.driver('h2')]
      await runningDomain(a, 'web', { memoryMiB: 64 })
      const saved = await a.inspectDomain('web')
      await a.saveDomain('web', 'checkpoints/web/1.ckpt', { leaveRunning: true })
      const from = cluster.imagePort('h1').store
      const to = cluster.imagePort('h2').store
      const manifest = await from.manifest('checkpoints/web/1.ckpt')
      expect(manifest.sizeBytes).toBe(64 * MiB + CHECKPOINT_HEADER_BYTES)
      const source = await from.openComplete('checkpoints/web/1.ckpt', manifest)
      const dest = await to.openStaging('failover/web/1.ckpt', manifest)
      for (let i = 0; i < manifest.chunks.length; i++) {
        const bytes = await source.read(i)
        // what a fetch verifies: every stand-in, the first with the save header, hashes to its manifest entry
        expect(sha256(bytes)).toBe(manifest.chunks[i])
        await dest.write(i, bytes)
      }
      await dest.finish()
      expect(await to.version('failover/web/1.ckpt')).toBe(await from.version('checkpoints/web/1.ckpt'))
      // the domain's disk, as a takeover makes it (a fresh copy of the template's image at the path the spec names)
      await b.createImage(specFor('web').disks[0]!.image, 64 * MiB)
      const restored = await b.restoreDomain('failover/web/1.ckpt')
      expect(restored).toMatchObject({ name: 'web', uuid: saved.uuid, state: 'running' })
      expect(restored.spec.memoryMiB).toBe(64)
    } finally {
      await cluster.close()
    }
  })

  it('a first chunk whose save header was changed no longer matches the manifest', async () => {
    const cluster = new SimCluster({ platform: testPlatform({ hosts: 2 }), seed: 1 })
    try {
      const a = cluster.driver('h1')
      await runningDomain(a, 'web', { memoryMiB: 64 })
      await a.saveDomain('web', 'checkpoints/web/1.ckpt', { leaveRunning: true })
      const store = cluster.imagePort('h1').store
      const manifest = await store.manifest('checkpoints/web/1.ckpt')
      const first = new TextDecoder().decode(await (await store.openComplete('checkpoints/web/1.ckpt', manifest)).read(0))
      const [prefix, content, index, header] = first.split(' ')
      const altered = JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')) as { spec: { memoryMiB: number } }
      altered.spec.memoryMiB = 4096
      const forged = `${prefix!} ${content!} ${index!} ${Buffer.from(JSON.stringify(altered)).toString('base64url')}`
      expect(sha256(new TextEncoder().encode(forged))).not.toBe(manifest.chunks[0])
      // a plain image's stand-ins carry no header, and a checkpoint is still not an image to the driver
      await expect(a.cloneImage('checkpoints/web/1.ckpt', 'x.img')).rejects.toThrow(ImageNotFoundError)
    } finally {
      await cluster.close()
    }
  })
})

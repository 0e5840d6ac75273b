/**
 * The deadline of a call between coordinators (`peerCallTimeoutMs`, host.yaml's
 * `peerCallTimeoutMs`) holds on the calling side too: a host on a slow hypervisor
 * (an emulated one answers `xl` in seconds) is given the time it is configured
 * with, and no more.
 */
import type { HypervisorDriver } from '@xenos/hypervisor-interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../../src/testing/index.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { webTemplate } from '../support/harness.js'

const SLOW_MS = 3000
let cluster: TestCluster

/** A driver whose imageInfo answers after SLOW_MS, as a busy emulated Domain 0 does. */
function slowImageInfo (driver: HypervisorDriver): HypervisorDriver {
  return new Proxy(driver, {
    get (target, key, receiver) {
      if (key !== 'imageInfo') return Reflect.get(target, key, receiver) as unknown
      return async (path: string) => {
        await new Promise(resolve => setTimeout(resolve, SLOW_MS))
        return await target.imageInfo(path)
      }
    }
  })
}

beforeAll(async () => {
  const fake = new FakeCluster([{ name: 'p1' }, { name: 'p2' }])
  const init = { peerCallTimeoutMs: 1000, coordinator: { createMissingImages: true, searchDeadlineMs: 30_000 } }
  cluster = await startTestCluster({
    hosts: [
      { driver: fake.driver('p1'), init },
      { driver: slowImageInfo(fake.driver('p2')), templates: [webTemplate('web')], init }
    ]
  })
}, 180_000)

afterAll(async () => { await cluster.stop() })

describe('a call between coordinators', () => {
  it('is given up at the configured deadline on the caller\'s side', async () => {
    const image = webTemplate('web').images[0]!.path
    await expect(cluster.host('p1').network.call('p2', 'xenos.peer.imageInfo', [image]))
      .rejects.toThrow(/timed out after \d+\.\d\d s of its 1 s deadline/)
  }, 120_000)
})

/**
 * The coordinator on one simulated host of the paper's cluster (sim-driver,
 * live mode): the whole life cycle, copy-on-write instances, checkpoints,
 * resource use that grows with simulated time, and a restart that reattaches
 * to running domains through the driver's handles.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { coordinator, type Coordinator } from '../../src/coordinator/index.js'
import { idGenerator } from '../../src/ids.js'
import { queryMatcher } from '../../src/search/query.js'
import { staticConfig, webTemplate } from '../support/harness.js'

const platformFile = PAPER_PLATFORM_FILE
let sim: SimCluster
let dir: string
let host: string

function open (): Coordinator {
  return coordinator({ dataDir: dir, createMissingImages: true })({
    driver: sim.driver(host), ids: idGenerator({ peerId: 'sim-test-peer' }), matcher: queryMatcher(), configSource: staticConfig([webTemplate('web')])
  })
}

beforeEach(async () => {
  sim = new SimCluster({ platform: await loadPlatform(platformFile), seed: 3 })
  host = sim.hostnames()[1]!
  dir = await mkdtemp(join(tmpdir(), 'xenos-sim-coord-'))
})
afterEach(async () => {
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

describe('coordinator on sim-driver', () => {
  it('runs the life cycle of an instance on a simulated host', async () => {
    const c = open()
    await c.start()
    // the driver says its clock is simulated time; the coordinator reports it so (xenos.hostInfo) without knowing the backend
    const reading = c.clockReading()
    expect(reading.clock).toBe('simulated')
    expect(reading.clockS).toBeLessThanOrEqual(sim.engine.nowS())
    const s = await c.createInstance('web', { name: 'web-1' })
    const img = await sim.driver(host).imageInfo(`services/${s.id}/xvda.img`)
    // the simulated hosts clone copy-on-write, so the instance's disk is backed by the template's
    expect(sim.driver(host).capabilities().copyOnWriteClone).toBe(true)
    expect(img.backingImage).toBe('templates/web/xvda.img')
    expect((await c.startService(s.id)).state).toBe('running')
    const before = await c.serviceStats(s.id)
    expect(before).toMatchObject({ state: 'running', vcpus: 1, memoryMiB: 384 })
    expect((await c.pauseService(s.id)).state).toBe('paused')
    expect((await c.unpauseService(s.id)).state).toBe('running')
    const ck1 = await c.checkpointService(s.id)
    const ck2 = await c.checkpointService(s.id)
    expect(ck2.service.checkpoints).toEqual([ck1.checkpointPath, ck2.checkpointPath])
    expect(ck2.service.state).toBe('running')
    await expect(c.restoreService(s.id)).rejects.toThrow(/expected state stopped, found running/)
    const ck3 = await c.checkpointService(s.id, { leaveRunning: false })
    expect(ck3.service.state).toBe('stopped')
    await expect(c.restoreService(s.id, { checkpoint: 'checkpoints/elsewhere.ckpt' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    expect((await c.restoreService(s.id)).state).toBe('running')
    expect(c.events(0).events.map(e => e.kind).slice(-3)).toEqual(['checkpointed', 'failed', 'restored'])
    const facts = await sim.driver(host).hostFacts()
    expect((await c.hostRecord()).freeMemoryMiB).toBe(facts.memory.freeMiB)
    await c.stop()

    const again = open()
    const { reattach } = await again.start()
    expect(reattach.reattached).toEqual([s.id])
    expect(again.getService(s.id).state).toBe('running')
    expect(again.bootCount).toBe(2)
    await again.destroyService(s.id)
    expect(await sim.driver(host).listDomains()).toEqual([])
    await again.stop()
  })
})

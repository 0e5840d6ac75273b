/**
 * The simulated driver beyond the shared compliance suite: what operations
 * cost in simulated time (derived from the test platform's numbers), usage
 * from the engine's accounting, fault knobs, and the live clock rule.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { InsufficientDiskError, type MigrationReport } from '@xenos/hypervisor-interface'
import { Engine, loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { CHECKPOINT_HEADER_BYTES, DEFAULT_GUEST_MODEL, QCOW2_HEADER_BYTES, SimCluster, simDriver } from '../src/index.js'
import { DISK_BPS, GiB, MiB, runningDomain, specFor, testPlatform, type TestPlatformOptions } from './fixtures.js'

const CORE_FLOPS = 2.5e9
let clusters: SimCluster[] = []

function cluster (o: TestPlatformOptions = {}, seed = 1): SimCluster {
  const c = new SimCluster({ platform: testPlatform(o), seed })
  clusters.push(c)
  return c
}

afterEach(async () => {
  for (const c of clusters) await c.close()
  clusters = []
})

describe('domain life cycle costs simulated time through the engine', () => {
  it('boot reads from the image and computes; usage comes from the engine', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await d.createImage('images/a.img', GiB)
    await d.createDomain(specFor('a'))
    const t0 = d.clock.nowS()
    const info = await d.startDomain('a')
    // Kernel (Domain 0) and first disk blocks (guest) from the cold disk, then the CPU work.
    const bootS = (DEFAULT_GUEST_MODEL.bootKernelBytes + DEFAULT_GUEST_MODEL.bootReadBytes) / DISK_BPS + DEFAULT_GUEST_MODEL.bootFlops / CORE_FLOPS
    expect(d.clock.nowS() - t0).toBeCloseTo(bootS, 6)
    expect(info.startedAtS).toBe(t0)
    expect(info.usage.cpuTimeS).toBeCloseTo(DEFAULT_GUEST_MODEL.bootFlops / CORE_FLOPS, 6)
    expect(info.usage.diskReadBytes).toBe(DEFAULT_GUEST_MODEL.bootReadBytes)
    expect(info.usage.memoryMiB).toBe(384)
    expect(typeof info.domid).toBe('number')
    // A second guest of the same kernel: Domain 0's page cache holds the kernel now.
    await d.createImage('images/b.img', GiB)
    await d.createDomain(specFor('b'))
    const t1 = d.clock.nowS()
    await d.startDomain('b')
    expect(d.clock.nowS() - t1).toBeLessThan(bootS - 0.5 * DEFAULT_GUEST_MODEL.bootKernelBytes / DISK_BPS)
  })

  it('a graceful shutdown takes the guest\'s shutdown work; a guest that ignores it times out on the engine clock', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await runningDomain(d, 'ok')
    const t0 = d.clock.nowS()
    expect((await d.shutdownDomain('ok')).state).toBe('stopped')
    expect(d.clock.nowS() - t0).toBeGreaterThanOrEqual(DEFAULT_GUEST_MODEL.shutdownFlops / CORE_FLOPS - 1e-9)

    await runningDomain(d, 'hung', { annotations: { 'sim.ignoreShutdown': 'true' } })
    const t1 = d.clock.nowS()
    await expect(d.shutdownDomain('hung', { timeoutS: 5 })).rejects.toThrow(/within 5 s/)
    expect(d.clock.nowS() - t1).toBeCloseTo(5, 9)
    expect((await d.inspectDomain('hung')).state).toBe('running')
    expect((await d.shutdownDomain('hung', { timeoutS: 5, force: true })).state).toBe('stopped')
    expect((await d.hostFacts()).memory.freeMiB).toBe(2048 - 512)
  })

  it('rejects bad annotations at create', async () => {
    const d = cluster().driver('h1')
    await expect(d.createDomain(specFor('x', { disks: false, annotations: { 'sim.dirtyRateBps': 'fast' } }))).rejects.toThrow(/annotations.sim.dirtyRateBps/)
    expect(await d.listDomains()).toEqual([])
  })

  it('save writes the memory to a checkpoint file; restore keeps the identity and needs the memory', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await runningDomain(d, 'ck')
    const uuid = (await d.inspectDomain('ck')).uuid
    const disk0 = (await d.hostFacts()).disk.freeBytes
    const t0 = d.clock.nowS()
    expect((await d.saveDomain('ck', 'ckpt/ck.save')).state).toBe('stopped')
    expect(d.clock.nowS()).toBeGreaterThan(t0)
    expect(disk0 - (await d.hostFacts()).disk.freeBytes).toBe(384 * MiB + CHECKPOINT_HEADER_BYTES)
    await runningDomain(d, 'hog', { memoryMiB: 1400, disks: false })
    await expect(d.restoreDomain('ckpt/ck.save')).rejects.toThrow(/MiB of free memory/)
    expect((await d.inspectDomain('ck')).state).toBe('stopped')
    await d.destroyDomain('hog')
    const back = await d.restoreDomain('ckpt/ck.save')
    expect(back.state).toBe('running')
    expect(back.uuid).toBe(uuid)
  })
})

describe('images on the engine\'s disk model', () => {
  it('a copy reads and writes through the disk: between one pass and a read plus a write of the bytes', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await d.createImage('t.img', GiB)
    const t0 = d.clock.nowS()
    const copy = await d.copyImage('t.img', 'c.img')
    const s = d.clock.nowS() - t0
    expect(copy).toMatchObject({ sizeBytes: GiB, allocatedBytes: GiB, format: 'raw' })
    expect(s).toBeGreaterThanOrEqual(GiB / DISK_BPS)
    expect(s).toBeLessThanOrEqual(2 * GiB / DISK_BPS + 1e-6)
  })

  it('on the paper\'s cluster a local copy of the 10 GB image is a read and a write stream on one disk', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const c = new SimCluster({ platform, seed: 1 })
    clusters.push(c)
    const d = c.driver('node01')
    await d.createImage('templates/hadoop.img', 10e9)
    const t0 = d.clock.nowS()
    await d.copyImage('templates/hadoop.img', 'instances/hadoop-1.img')
    const rateBps = 10e9 / (d.clock.nowS() - t0)
    // The same two streams on a bare engine of the platform (the disk's golden tests derive their rate).
    const e = new Engine({ seed: 1, platform })
    const h = e.host('node01')
    e.io({ on: h, op: 'read', bytes: 10e9 }).start()
    e.io({ on: h, op: 'write', bytes: 10e9 }).start()
    await e.run()
    expect(rateBps / (10e9 / e.nowS())).toBeGreaterThan(0.99)
    expect(rateBps / (10e9 / e.nowS())).toBeLessThan(1.01)
  })

  it('a slowed disk makes copies slower by its factor', async () => {
    const timed = async (factor: number): Promise<number> => {
      const c = cluster()
      const d = c.driver('h1')
      await d.createImage('t.img', GiB)
      if (factor !== 1) c.faults.slowDisk('h1', factor)
      const t0 = d.clock.nowS()
      await d.copyImage('t.img', 'c.img')
      return d.clock.nowS() - t0
    }
    const normal = await timed(1)
    expect(await timed(4)).toBeGreaterThan(3 * normal)
  })

  it('a copy-on-write clone is instant and tiny; a copy clone is full', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await d.createImage('tpl.img', GiB)
    const t0 = d.clock.nowS()
    expect(await d.cloneImage('tpl.img', 'cow.img'))
      .toEqual({ path: 'cow.img', sizeBytes: GiB, allocatedBytes: QCOW2_HEADER_BYTES, format: 'qcow2', backingImage: 'tpl.img' })
    expect(d.clock.nowS()).toBe(t0)
    await expect(d.deleteImage('tpl.img')).rejects.toThrow(/copy-on-write clone cow.img/)
    expect((await d.cloneImage('tpl.img', 'full.img', { mode: 'copy' })).allocatedBytes).toBe(GiB)
    expect(d.clock.nowS()).toBeGreaterThan(t0)
  })

  it('a copy that does not fit fails typed and leaves nothing', async () => {
    const d = cluster({ diskCapacityBytes: 1.5 * GiB }).driver('h1')
    await d.createImage('t.img', GiB)
    const free = (await d.hostFacts()).disk.freeBytes
    await expect(d.copyImage('t.img', 'c.img')).rejects.toBeInstanceOf(InsufficientDiskError)
    expect((await d.listImages()).map(i => i.path)).toEqual(['t.img'])
    expect((await d.hostFacts()).disk.freeBytes).toBe(free)
  })
})

describe('fault knobs', () => {
  it('failNext makes the next operation of a kind fail, typed, and changes nothing', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await d.createImage('images/f.img', 64 * MiB)
    await d.createDomain(specFor('f'))
    c.faults.failNext('start')
    await expect(d.startDomain('f')).rejects.toMatchObject({ name: 'BackendUnavailableError' })
    expect((await d.inspectDomain('f')).state).toBe('stopped')
    expect((await d.hostFacts()).memory.freeMiB).toBe(2048 - 512)
    expect((await d.startDomain('f')).state).toBe('running')
  })

  it('failNext can target one host and throw a given error', async () => {
    const c = cluster()
    c.faults.failNext('createImage', { host: 'h2', error: new InsufficientDiskError(1, 0, 'h2') })
    await c.driver('h1').createImage('x.img', MiB)
    await expect(c.driver('h2').createImage('x.img', MiB)).rejects.toBeInstanceOf(InsufficientDiskError)
    expect(await c.driver('h2').listImages()).toEqual([])
    expect(c.faults.plan.pending).toBe(0)
  })

  it('a crashed host answers BackendUnavailableError; other hosts carry on', async () => {
    const c = cluster()
    const [a, b] = [c.driver('h1'), c.driver('h2')]
    await runningDomain(a, 'x')
    await b.createImage('big.img', GiB)
    const copying = b.copyImage('big.img', 'big2.img')
    c.faults.crashHost('h1', c.engine.nowS() + 1)
    await expect(copying).resolves.toMatchObject({ path: 'big2.img' })
    await expect(a.listDomains()).rejects.toMatchObject({ name: 'BackendUnavailableError' })
    await expect(a.inspectDomain('x')).rejects.toThrow(/crashed/)
  })

  it('a recovered host answers again: its domains crashed, its images kept, memory all free', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await runningDomain(d, 'r')
    await d.createImage('images/stopped.img', MiB)
    await d.createDomain(specFor('stopped'))
    c.faults.crashHost('h1')
    await expect(d.listDomains()).rejects.toMatchObject({ name: 'BackendUnavailableError' })
    c.faults.recoverHost('h1')
    expect((await d.listDomains()).map(x => [x.name, x.state])).toEqual([['r', 'crashed'], ['stopped', 'stopped']])
    expect((await d.hostFacts()).memory.freeMiB).toBe(2048 - 512)
    expect((await d.imageInfo('images/r.img')).sizeBytes).toBe(64 * MiB)
    expect((await d.startDomain('r')).state).toBe('running')
  })

  it('a crashed domain frees its memory and can be started again', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await runningDomain(d, 'p')
    c.faults.crashDomain('h1', 'p')
    expect((await d.inspectDomain('p')).state).toBe('crashed')
    expect((await d.hostFacts()).memory.freeMiB).toBe(2048 - 512)
    expect((await d.startDomain('p')).state).toBe('running')
  })
})

describe('live mode: the clock rule', () => {
  it('a driver call holds the clock until it returns, except while it awaits simulated work', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await d.createImage('images/h.img', 64 * MiB)
    const creating = d.createDomain(specFor('h'))
    expect(c.engine.activeHolds()).toEqual(['h1:create'])
    await creating
    expect(c.engine.activeHolds()).toEqual([])
    let duringBoot: string[] | undefined
    c.engine.schedule(1, () => { duringBoot = c.engine.activeHolds() })
    await d.startDomain('h')
    expect(duringBoot).toEqual([])
  })

  it('control-plane calls take zero simulated time, however slow, and do not change concurrent results', async () => {
    const migrate = async (slowCalls: boolean): Promise<MigrationReport> => {
      const c = cluster({}, 5)
      const d = c.driver('h1')
      await runningDomain(d, 'm', { imageBytes: 256 * MiB })
      const report = d.migrateDomain('m', { host: 'h2' })
      if (slowCalls) {
        for (let i = 0; i < 5; i++) {
          const t = d.clock.nowS()
          await d.hostFacts()
          await c.control.run('slow control plane', async () => { await new Promise(resolve => setTimeout(resolve, 20)) })
          expect(d.clock.nowS()).toBe(t)
        }
      }
      return await report
    }
    expect(await migrate(true)).toEqual(await migrate(false))
  })

  it('a caller\'s own operation holds the clock across its real-time work, not across the driver calls it awaits', async () => {
    const realDelay = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
    const scenario = async (slow: boolean): Promise<number[]> => {
      const c = cluster({}, 9)
      const d = c.driver('h1')
      await d.createImage('images/bg.img', GiB)
      const background = d.copyImage('images/bg.img', 'images/bg2.img')
      const times = await c.operation('api request', async (op) => {
        const marks: number[] = []
        if (slow) await realDelay(30)
        marks.push(d.clock.nowS())
        await op.sim(runningDomain(d, 'req', { imageBytes: 64 * MiB }))
        marks.push(d.clock.nowS())
        if (slow) await realDelay(30)
        marks.push(d.clock.nowS())
        return marks
      })
      await background
      return [...times, d.clock.nowS()]
    }
    const fast = await scenario(false)
    expect(await scenario(true)).toEqual(fast)
    expect(fast[1]).toBeGreaterThan(fast[0]!)
    expect(fast[2]).toBe(fast[1])
  })

  it('measures the real time calls hold the clock with an injected wall clock, apart from simulated time', async () => {
    let ticks = 0
    const c = new SimCluster({ platform: testPlatform(), seed: 1, wallClockMs: () => ticks++ })
    clusters.push(c)
    const d = c.driver('h1')
    await runningDomain(d, 'w')
    await d.listDomains()
    const stats = c.controlPlaneStats()
    expect(stats.map(s => s.kind)).toEqual(['create', 'createImage', 'list', 'start'])
    for (const s of stats) {
      expect(s.calls).toBe(1)
      expect(s.totalS).toBeGreaterThan(0)
      expect(s.maxS).toBe(s.totalS)
    }
    // start held the clock in several stretches around its simulated boot (kernel, disk, CPU): more ticks than list.
    expect(stats.find(s => s.kind === 'start')!.totalS).toBeGreaterThan(stats.find(s => s.kind === 'list')!.totalS)
  })

  it('a control-plane latency model makes every call cost that much simulated time', async () => {
    const c = new SimCluster({ platform: testPlatform(), seed: 1, controlLatencyS: 0.05 })
    clusters.push(c)
    const d = c.driver('h1')
    const t0 = d.clock.nowS()
    await d.createImage('x.img', MiB)
    await d.listImages()
    expect(d.clock.nowS() - t0).toBeCloseTo(0.1, 9)
  })

  it('a closed driver answers BackendUnavailableError; a new one reattaches to the running domain', async () => {
    const c = cluster()
    const d = c.driver('h1')
    await runningDomain(d, 'keep')
    const handle = JSON.parse(JSON.stringify(await d.handle('keep'))) as Awaited<ReturnType<typeof d.handle>>
    await d.close()
    await expect(d.listDomains()).rejects.toMatchObject({ name: 'BackendUnavailableError' })
    const again = await c.driver('h1').reattach(handle)
    expect(again.state).toBe('running')
    await expect(c.driver('h2').reattach(handle)).rejects.toMatchObject({ name: 'DomainNotFoundError' })
    const fresh = c.driver('h1')
    await fresh.createImage('big.img', GiB)
    const copying = fresh.copyImage('big.img', 'big2.img').then(() => undefined, (err: unknown) => err)
    await runningDomain(fresh, 'hung', { annotations: { 'sim.ignoreShutdown': 'true' } })
    const stopping = fresh.shutdownDomain('hung', { timeoutS: 3600 }).then(() => undefined, (err: unknown) => err)
    await c.engine.clock.sleep(1)
    await c.close()
    expect(await copying).toMatchObject({ name: 'BackendUnavailableError' })
    expect(await stopping).toMatchObject({ name: 'BackendUnavailableError' })
    await expect(c.driver('h1').listDomains()).rejects.toThrow(/simulated cluster of h1 was closed/)
  })

  it('migration targets resolve by address too', async () => {
    const c = cluster()
    const a = c.driver('h1')
    await runningDomain(a, 'addr', { disks: false })
    const address = (await c.driver('h2').hostFacts()).addresses[0]!
    expect(address).toBe('10.0.0.2')
    expect((await a.migrateDomain('addr', { host: address }, { storage: 'none' })).toHost).toBe('h2')
  })

  it('the factory gives a working driver', async () => {
    const c = cluster()
    const d = await simDriver({ cluster: c, hostname: 'h3' })({})
    expect(d.hostname).toBe('h3')
    expect(d.backend).toBe('sim')
    expect((await d.hostFacts()).cpu.cores).toBe(2)
  })
})

/**
 * Live migration on the simulated cluster. Expected values are derived here
 * from first principles (link bandwidth, latency, Xen's page records and
 * limits), not copied from a run.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MigrationFailedError, type HypervisorDriver, type MigrationReport } from '@xenos/hypervisor-interface'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { DEFAULT_GUEST_MODEL, FINAL_RECORD_BYTES, PAGE_BYTES, PAGE_HEADER_BYTES, QCOW2_HEADER_BYTES, SimCluster, type SimClusterInit } from '../src/index.js'
import { GBE_BPS, GiB, MiB, runningDomain, specFor, testPlatform, type TestPlatformOptions } from './fixtures.js'

const LATENCY_S = 1e-4
let clusters: SimCluster[] = []

function cluster (o: TestPlatformOptions = {}, init: Partial<SimClusterInit> = {}): SimCluster {
  const c = new SimCluster({ platform: testPlatform({ latencyS: LATENCY_S, ...o }), seed: 7, ...init })
  clusters.push(c)
  return c
}

afterEach(async () => {
  for (const c of clusters) await c.close()
  clusters = []
})

/** Time to send `bytes` of memory over one otherwise idle 1 GbE path: payload + page records, plus one hop each side. */
function roundS (bytes: number, final: boolean): number {
  const wire = bytes + Math.ceil(bytes / PAGE_BYTES) * PAGE_HEADER_BYTES + (final ? FINAL_RECORD_BYTES : 0)
  return wire / GBE_BPS + 2 * LATENCY_S
}

async function expectNothingOn (target: HypervisorDriver, name: string, freeMiB: number, freeBytes: number): Promise<void> {
  expect((await target.listDomains()).some(d => d.name === name)).toBe(false)
  expect(await target.listImages()).toEqual([])
  const facts = await target.hostFacts()
  expect(facts.memory.freeMiB).toBe(freeMiB)
  expect(facts.disk.freeBytes).toBe(freeBytes)
}

describe('live migration: golden values', () => {
  it('an idle 384 MiB domain over 1 GbE takes memory / bandwidth plus one small round', async () => {
    const c = cluster()
    const [a, b] = [c.driver('h1'), c.driver('h2')]
    await runningDomain(a, 'idle', { disks: false })
    const memoryBytes = 384 * MiB
    const report = await a.migrateDomain('idle', { host: 'h2' }, { storage: 'none' })
    // Round 1 sends all memory; meanwhile the guest dirties at the idle rate; that fits 0.3 s, so round 2 is the final one.
    const round1S = roundS(memoryBytes, false)
    const dirtiedBytes = DEFAULT_GUEST_MODEL.idleDirtyRateBps * round1S
    const finalS = roundS(dirtiedBytes, true)
    expect(report.converged).toBe(true)
    expect(report.rounds).toBe(2)
    expect(report.totalS).toBeCloseTo(round1S + finalS, 6)
    expect(report.downtimeS).toBeCloseTo(finalS, 6)
    expect(report.memoryBytes).toBeCloseTo(memoryBytes + dirtiedBytes, 0)
    // "memory / bandwidth plus one round's overhead": within 1 % of M/B, and above it.
    expect(report.totalS).toBeGreaterThan(memoryBytes / GBE_BPS)
    expect(report.totalS).toBeLessThan(memoryBytes / GBE_BPS * 1.01 + 0.05)
    expect((await b.inspectDomain('idle')).state).toBe('running')
  })

  it('on the paper\'s cluster: 384 MiB over its 1 GbE at the platform\'s TCP efficiency', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const c = new SimCluster({ platform, seed: 3 })
    clusters.push(c)
    const a = c.driver('node01')
    await runningDomain(a, 'hadoop-master', { disks: false })
    const report = await a.migrateDomain('hadoop-master', { host: 'node02' }, { storage: 'none' })
    const host = platform.hosts[1]!
    const payloadBps = host.nic.bandwidthBps * platform.network.tcpEfficiency
    const hopS = 2 * host.nic.latencyS + platform.network.switchLatencyS
    const wire = (bytes: number, final: boolean): number => bytes + Math.ceil(bytes / PAGE_BYTES) * PAGE_HEADER_BYTES + (final ? FINAL_RECORD_BYTES : 0)
    const round1S = wire(384 * MiB, false) / payloadBps + hopS
    const finalS = wire(DEFAULT_GUEST_MODEL.idleDirtyRateBps * round1S, true) / payloadBps + hopS
    expect(report.rounds).toBe(2)
    expect(report.totalS).toBeCloseTo(round1S + finalS, 6)
    expect(report.downtimeS).toBeCloseTo(finalS, 6)
  })

  it('the paper\'s master migration (10 GB disk + 1 GB swap + 384 MiB, files moved while paused) takes under its 5 minutes', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const c = new SimCluster({ platform, seed: 3 })
    clusters.push(c)
    const a = c.driver('master')
    await a.createImage('hadoop/master.img', 10e9)
    await a.createImage('hadoop/master-swap.img', 1e9)
    const disks = [{ image: 'hadoop/master.img', target: 'xvda' }, { image: 'hadoop/master-swap.img', target: 'xvdb' }]
    await a.createDomain({ ...specFor('hadoop-master'), disks })
    await a.startDomain('hadoop-master')
    const report = await a.migrateDomain('hadoop-master', { host: 'node05' }, { storage: 'stop-and-copy' })
    // At least the files at the source disk's sequential read rate; the paper measured "less than 5 minutes".
    const diskReadBps = platform.hosts[0]!.disks[0]!.readBps
    expect(report.diskBytes).toBe(11e9)
    expect(report.totalS).toBeGreaterThan(11e9 / diskReadBps)
    expect(report.totalS).toBeLessThan(300)
  })

  it('Domain 0\'s CPU can be what limits a migration', async () => {
    // One Domain 0 VCPU of 2.5e9 flop/s at 40 flops per byte sends at most 62.5 MB/s: half the link.
    const c = cluster({}, { migrationDom0FlopsPerByte: 40 })
    const a = c.driver('h1')
    await runningDomain(a, 'cpu', { disks: false, annotations: { 'sim.dirtyRateBps': '0' } })
    const report = await a.migrateDomain('cpu', { host: 'h2' }, { storage: 'none' })
    const dom0Bps = 2.5e9 / 40
    expect(report.totalS).toBeGreaterThan(384 * MiB / dom0Bps)
    expect(report.totalS).toBeLessThan(384 * MiB / dom0Bps * 1.01)
  })

  it('a dirty rate above the link bandwidth never converges: it ends by Xen\'s 3x limit with the whole memory as downtime', async () => {
    const c = cluster()
    const a = c.driver('h1')
    await runningDomain(a, 'hot', { disks: false, annotations: { 'sim.dirtyRateBps': String(2 * GBE_BPS) } })
    const memoryBytes = 384 * MiB
    const report = await a.migrateDomain('hot', { host: 'h2' }, { storage: 'none' })
    // Every round dirties more than the memory, so each resends all of it; after 4 rounds 4x > 3x was sent.
    expect(report.converged).toBe(false)
    expect(report.rounds).toBe(5)
    expect(report.memoryBytes).toBe(5 * memoryBytes)
    expect(report.downtimeS).toBeCloseTo(roundS(memoryBytes, true), 6)
    expect(report.downtimeS).toBeGreaterThan(10 * 0.3)
    expect(report.totalS).toBeCloseTo(4 * roundS(memoryBytes, false) + roundS(memoryBytes, true), 6)
  })

  it('dirtying tied to the guest\'s simulated work: the same guest converges idle and not when computing', async () => {
    const migrate = async (busy: boolean): Promise<MigrationReport> => {
      const c = cluster()
      const a = c.driver('h1')
      // 300 MB dirtied per CPU second, nothing otherwise: busy on one VCPU it dirties 300 MB/s > 125 MB/s.
      await runningDomain(a, 'w', { disks: false, annotations: { 'sim.dirtyRateBps': '0', 'sim.dirtyBytesPerCpuS': '300e6' } })
      if (busy) c.engine.exec({ on: c.engine.host('h1').vms.get('w')!, flops: 1e13 }).start()
      return await a.migrateDomain('w', { host: 'h2' }, { storage: 'none' })
    }
    const idle = await migrate(false)
    expect(idle.converged).toBe(true)
    expect(idle.rounds).toBe(2)
    const busy = await migrate(true)
    expect(busy.converged).toBe(false)
    expect(busy.memoryBytes).toBe(5 * 384 * MiB)
  })

  it('ends at 30 rounds when only the round limit applies', async () => {
    // At 0.99 x the bandwidth each round is 0.99 x the previous one: reaching 0.3 s from 3.2 s would take ~235 rounds.
    const c = cluster()
    const a = c.driver('h1')
    await runningDomain(a, 'warm', { disks: false, annotations: { 'sim.dirtyRateBps': String(0.99 * GBE_BPS) } })
    const report = await a.migrateDomain('warm', { host: 'h2' }, { storage: 'none', maxSentFactor: 1000 })
    expect(report.rounds).toBe(30)
    expect(report.converged).toBe(false)
  })

  it('a cold migration is one round with the domain suspended throughout', async () => {
    const c = cluster()
    const a = c.driver('h1')
    await runningDomain(a, 'cold', { disks: false })
    const report = await a.migrateDomain('cold', { host: 'h2' }, { live: false, storage: 'none' })
    expect(report.rounds).toBe(1)
    expect(report.downtimeS).toBe(report.totalS)
    expect(report.totalS).toBeCloseTo(roundS(384 * MiB, true), 6)
  })
})

describe('live migration: storage', () => {
  it('stop-and-copy (the paper\'s method) suspends the domain while its image moves', async () => {
    const c = cluster()
    const [a, b] = [c.driver('h1'), c.driver('h2')]
    await runningDomain(a, 'web', { imageBytes: 1 * GiB })
    const report = await a.migrateDomain('web', { host: 'h2' }, { storage: 'stop-and-copy' })
    expect(report.diskBytes).toBe(1 * GiB)
    // The image crosses the source disk (100 MB/s), the link and the target disk: at least GiB / 100 MB/s.
    expect(report.downtimeS).toBeGreaterThan(GiB / 100e6)
    expect(report.downtimeS).toBeCloseTo(report.totalS, 9)
    expect((await b.imageInfo('images/web.img')).sizeBytes).toBe(GiB)
    await expect(a.imageInfo('images/web.img')).rejects.toThrow(/found none/)
  })

  it('pre-copy storage keeps the domain running while the image moves: short downtime, dirty blocks resent', async () => {
    const c = cluster()
    const a = c.driver('h1')
    await runningDomain(a, 'db', { imageBytes: 1 * GiB, annotations: { 'sim.diskDirtyRateBps': String(1 * MiB) } })
    const report = await a.migrateDomain('db', { host: 'h2' }, { storage: 'pre-copy' })
    expect(report.totalS).toBeGreaterThan(GiB / 100e6)
    expect(report.downtimeS).toBeLessThan(1)
    expect(report.converged).toBe(true)
    // Every block rewritten while the domain ran (1 MiB/s until the final round) is sent once more.
    expect(report.diskBytes - GiB).toBeCloseTo(1 * MiB * (report.totalS - report.downtimeS), -3)
  })

  it('a copy-on-write clone keeps its backing image when the target has the template, and is flattened when not', async () => {
    const c = cluster()
    const [a, b] = [c.driver('h1'), c.driver('h2')]
    await a.createImage('tpl.img', GiB)
    await b.createImage('tpl.img', GiB)
    for (const n of ['c1', 'c2']) {
      await a.cloneImage('tpl.img', `images/${n}.img`)
      await a.createDomain(specFor(n, { memoryMiB: 256 }))
      await a.startDomain(n)
    }
    const kept = await a.migrateDomain('c1', { host: 'h2' })
    expect(kept.diskBytes).toBe(QCOW2_HEADER_BYTES)
    expect(await b.imageInfo('images/c1.img')).toMatchObject({ backingImage: 'tpl.img', allocatedBytes: QCOW2_HEADER_BYTES })
    const flat = await a.migrateDomain('c2', { host: 'h3' })
    expect(flat.diskBytes).toBe(GiB)
    expect(await c.driver('h3').imageInfo('images/c2.img')).toEqual({ path: 'images/c2.img', sizeBytes: GiB, allocatedBytes: GiB, format: 'raw' })
    // The template stays on the source: it was never the domain's own image.
    expect((await a.imageInfo('tpl.img')).sizeBytes).toBe(GiB)
  })

  it('a paused domain migrates and stays paused on the target', async () => {
    const c = cluster()
    const a = c.driver('h1')
    await runningDomain(a, 'p', { disks: false })
    await a.pauseDomain('p')
    const report = await a.migrateDomain('p', { host: 'h2' }, { storage: 'none' })
    // Paused, it dirties nothing: round 1 then an empty final round.
    expect(report.rounds).toBe(2)
    expect(report.memoryBytes).toBe(384 * MiB)
    expect((await c.driver('h2').inspectDomain('p')).state).toBe('paused')
    expect((await c.driver('h2').unpauseDomain('p')).state).toBe('running')
  })

  it('storage "none" needs the images on the target and leaves the source copies', async () => {
    const c = cluster()
    const [a, b] = [c.driver('h1'), c.driver('h2')]
    await runningDomain(a, 'shared', { imageBytes: 64 * MiB })
    await expect(a.migrateDomain('shared', { host: 'h2' }, { storage: 'none' })).rejects.toThrow(MigrationFailedError)
    await b.createImage('images/shared.img', 64 * MiB)
    const report = await a.migrateDomain('shared', { host: 'h2' }, { storage: 'none' })
    expect(report.diskBytes).toBe(0)
    expect((await a.imageInfo('images/shared.img')).sizeBytes).toBe(64 * MiB)
  })
})

describe('live migration: failures leave the domain on the source and nothing on the target', () => {
  interface Setup { c: SimCluster, a: HypervisorDriver, b: HypervisorDriver, uuid: string, freeMiB: number, freeBytes: number }
  async function setup (o: TestPlatformOptions = {}): Promise<Setup> {
    const c = cluster(o)
    const [a, b] = [c.driver('h1'), c.driver('h2')]
    await runningDomain(a, 'vm', { imageBytes: 1 * GiB })
    const uuid = (await a.inspectDomain('vm')).uuid
    const facts = await b.hostFacts()
    return { c, a, b, uuid, freeMiB: facts.memory.freeMiB, freeBytes: facts.disk.freeBytes }
  }

  async function expectOnSource (a: HypervisorDriver, uuid: string): Promise<void> {
    const d = await a.inspectDomain('vm')
    expect(d.state).toBe('running')
    expect(d.uuid).toBe(uuid)
    expect((await a.imageInfo('images/vm.img')).sizeBytes).toBe(GiB)
  }

  it('link cut part way', async () => {
    const { c, a, b, uuid, freeMiB, freeBytes } = await setup()
    c.faults.cutLink('h2', c.engine.nowS() + 2)
    await expect(a.migrateDomain('vm', { host: 'h2' })).rejects.toThrow(/link of host h2 is down/)
    await expectOnSource(a, uuid)
    await expectNothingOn(b, 'vm', freeMiB, freeBytes)
    c.faults.restoreLink('h2')
    expect((await a.migrateDomain('vm', { host: 'h2' })).toHost).toBe('h2')
  })

  it('target crash part way', async () => {
    const { c, a, uuid } = await setup()
    c.faults.crashHost('h2', c.engine.nowS() + 2)
    const err = await a.migrateDomain('vm', { host: 'h2' }, { storage: 'pre-copy' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MigrationFailedError)
    await expectOnSource(a, uuid)
    await expect(c.driver('h2').listDomains()).rejects.toThrow(/crashed/)
    expect(c.engine.host('h2').vms.size).toBe(0)
  })

  it('no memory on the target', async () => {
    const { a, b, uuid } = await setup()
    await runningDomain(b, 'big', { memoryMiB: 1400, disks: false })
    const facts = await b.hostFacts()
    await expect(a.migrateDomain('vm', { host: 'h2' })).rejects.toThrow(/MiB of free memory on h2/)
    await expectOnSource(a, uuid)
    expect((await b.listDomains()).map(d => d.name)).toEqual(['big'])
    expect((await b.hostFacts()).memory.freeMiB).toBe(facts.memory.freeMiB)
  })

  it('no disk on the target', async () => {
    const { a, b, uuid } = await setup({ diskCapacityBytes: 3 * GiB })
    await b.createImage('filler.img', 2.5 * GiB)
    const facts = await b.hostFacts()
    await expect(a.migrateDomain('vm', { host: 'h2' })).rejects.toThrow(/no room for image images\/vm.img on h2/)
    await expectOnSource(a, uuid)
    expect((await b.listImages()).map(i => i.path)).toEqual(['filler.img'])
    expect((await b.hostFacts()).disk.freeBytes).toBe(facts.disk.freeBytes)
    expect((await b.hostFacts()).memory.freeMiB).toBe(facts.memory.freeMiB)
  })

  it('abort through the signal, and timeout on the engine clock', async () => {
    const { c, a, b, uuid, freeMiB, freeBytes } = await setup()
    const ac = new AbortController()
    c.engine.schedule(3, () => { ac.abort() })
    const t0 = c.engine.nowS()
    await expect(a.migrateDomain('vm', { host: 'h2' }, { signal: ac.signal })).rejects.toThrow(/aborted/)
    expect(c.engine.nowS() - t0).toBeCloseTo(3, 6)
    await expectOnSource(a, uuid)
    await expectNothingOn(b, 'vm', freeMiB, freeBytes)
    const t1 = c.engine.nowS()
    await expect(a.migrateDomain('vm', { host: 'h2' }, { timeoutS: 2 })).rejects.toThrow(/timed out after 2 s/)
    expect(c.engine.nowS() - t1).toBeCloseTo(2, 6)
    await expectOnSource(a, uuid)
    await expectNothingOn(b, 'vm', freeMiB, freeBytes)
  })

  it('a planned failure strikes at the switch-over, after every byte moved', async () => {
    const { c, a, b, uuid, freeMiB, freeBytes } = await setup()
    c.faults.failNext('migrate')
    await expect(a.migrateDomain('vm', { host: 'h2' })).rejects.toThrow(/injected fault/)
    await expectOnSource(a, uuid)
    await expectNothingOn(b, 'vm', freeMiB, freeBytes)
    const report = await a.migrateDomain('vm', { host: 'h2' })
    expect(report.toHost).toBe('h2')
  })

  it('two domains of one name migrating into one host: the second is refused, the first lands', async () => {
    const c = cluster()
    const [a, b, t] = [c.driver('h1'), c.driver('h2'), c.driver('h3')]
    await runningDomain(a, 'twin', { disks: false })
    await runningDomain(b, 'twin', { disks: false })
    const [ra, rb] = await Promise.allSettled([
      a.migrateDomain('twin', { host: 'h3' }, { storage: 'none' }),
      b.migrateDomain('twin', { host: 'h3' }, { storage: 'none' })
    ])
    expect(ra.status).toBe('fulfilled')
    expect(rb.status).toBe('rejected')
    expect(String((rb as PromiseRejectedResult).reason)).toMatch(/already exists on h3/)
    expect((await b.inspectDomain('twin')).state).toBe('running')
    expect((await t.listDomains()).map(d => d.name)).toEqual(['twin'])
    await expect(t.createDomain((await t.inspectDomain('twin')).spec)).rejects.toThrow(/found a domain already using it/)
  })

  it('an unknown target', async () => {
    const { a, uuid } = await setup()
    await expect(a.migrateDomain('vm', { host: 'nowhere' })).rejects.toThrow(/no simulated host answers at nowhere/)
    await expect(a.migrateDomain('vm', { host: '../etc' })).rejects.toMatchObject({ name: 'InvalidSpecError', field: 'target.host' })
    await expect(a.migrateDomain('vm', { host: 'h2', port: 0 })).rejects.toMatchObject({ name: 'InvalidSpecError', field: 'target.port' })
    await expect(a.migrateDomain('vm', { host: 'h2' }, { maxRounds: 0 })).rejects.toMatchObject({ name: 'InvalidSpecError', field: 'maxRounds' })
    await expectOnSource(a, uuid)
  })
})

describe('live migration: determinism and contention', () => {
  async function scenario (seed: number): Promise<string> {
    const c = cluster({ hosts: 4 }, { seed, eventLog: true })
    const a = c.driver('h1')
    for (const [i, rate] of [1 * MiB, 20 * MiB, 60 * MiB].entries()) {
      await runningDomain(a, `d${i}`, { imageBytes: 256 * MiB, annotations: { 'sim.dirtyRateBps': String(rate) } })
    }
    const reports: MigrationReport[] = await Promise.all([0, 1, 2].map(async i =>
      await a.migrateDomain(`d${i}`, { host: `h${i + 2}` }, { storage: i === 0 ? 'stop-and-copy' : 'pre-copy' })))
    const uuids = await Promise.all([0, 1, 2].map(async i => (await c.driver(`h${i + 2}`).inspectDomain(`d${i}`)).uuid))
    return JSON.stringify({ reports, uuids, log: c.engine.eventLog })
  }

  it('the same seed gives byte-identical results and event log', async () => {
    const first = await scenario(11)
    const second = await scenario(11)
    expect(second).toBe(first)
    expect(first.length).toBeGreaterThan(1000)
  })

  it('concurrent migrations out of one host share its uplink', async () => {
    const c = cluster({ hosts: 3 })
    const a = c.driver('h1')
    await runningDomain(a, 'x', { disks: false, memoryMiB: 256 })
    await runningDomain(a, 'y', { disks: false, memoryMiB: 256 })
    const alone = 256 * MiB / GBE_BPS
    const [rx, ry] = await Promise.all([
      a.migrateDomain('x', { host: 'h2' }, { storage: 'none' }),
      a.migrateDomain('y', { host: 'h3' }, { storage: 'none' })
    ])
    // Two flows on h1's uplink get half each: round 1 takes twice as long as alone.
    expect(rx.totalS).toBeGreaterThan(1.9 * alone)
    expect(ry.totalS).toBeGreaterThan(1.9 * alone)
  })
})

/**
 * Random concurrent operations and faults on a live cluster (seeded, so a
 * failure replays), checking after every batch what must always hold:
 * - every error is one of the contract's typed errors;
 * - a host's reserved memory is exactly Domain 0 plus its running and
 *   paused domains (no placeholder or lost VM left behind);
 * - a host's used disk is exactly its committed files (no partial image);
 * - a domain is running or paused exactly when it owns a live VM, and
 *   paused exactly when that VM is suspended;
 * - no name is left reserved by a migration;
 * and that a crashed host answers `BackendUnavailableError` while the others carry on.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { HYPERVISOR_ERROR_NAMES, type HypervisorDriver, type StorageMigrationMode } from '@xenos/hypervisor-interface'
import { SimCluster, type FaultableOperation } from '../src/index.js'
import { MiB, specFor, testPlatform } from './fixtures.js'

let cluster: SimCluster | undefined
afterEach(async () => { await cluster?.close(); cluster = undefined })

/** A small deterministic generator for the test's own choices (not the model's). */
function lcg (seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return (s >>> 8) % n
  }
}

function checkInvariants (c: SimCluster): void {
  for (const name of c.hostnames()) {
    const state = c.hostState(name)
    const h = state.host
    if (h.failed) continue
    let expectedUsed = h.dom0MemoryMiB
    let vms = 0
    for (const [dn, d] of state.domains) {
      const live = d.vm !== undefined && !d.vm.gone
      expect(live, `${name}/${dn} in state ${d.state}`).toBe(d.state === 'running' || d.state === 'paused')
      if (live) {
        expectedUsed += d.spec.memoryMiB
        vms++
        expect(d.vm?.host, `${name}/${dn} VM on its host`).toBe(h)
        expect(d.vm?.suspended, `${name}/${dn} suspended when paused`).toBe(d.state === 'paused')
      }
    }
    expect(h.memoryMiB - h.freeMemoryMiB(), `${name} reserved memory`).toBe(expectedUsed)
    expect(h.vms.size, `${name} VMs`).toBe(vms)
    expect(h.disks[0]?.usedBytes, `${name} disk`).toBe(state.store.committedBytes())
    expect(state.incoming.size, `${name} incoming names`).toBe(0)
  }
}

describe('invariants under random concurrent operations and faults', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', async (seed) => {
    const rnd = lcg(seed)
    cluster = new SimCluster({ platform: testPlatform({ hosts: 4, diskCapacityBytes: 6e9 }), seed })
    const c = cluster
    const drivers = c.hostnames().map(h => c.driver(h))
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
    const ops: FaultableOperation[] = ['create', 'start', 'pause', 'shutdown', 'destroy', 'save', 'restore', 'copyImage', 'migrate']
    const storages: StorageMigrationMode[] = ['stop-and-copy', 'pre-copy', 'none']
    const errors: string[] = []
    let migrated = 0
    const one = async (d: HypervisorDriver): Promise<unknown> => {
      // Mostly act on a domain this host has, sometimes on any name (to hit the error paths).
      const here = (await d.listDomains()).map(x => x.name)
      const n = here.length > 0 && rnd(4) !== 0 ? pick(here) : pick(names)
      switch (rnd(16)) {
        case 0: case 1: case 2: {
          const spec = specFor(n, { memoryMiB: pick([256, 384, 512]), annotations: { 'sim.dirtyRateBps': String(rnd(80) * MiB) } })
          if (!(await d.listImages()).some(i => i.path === `images/${n}.img`)) await d.createImage(`images/${n}.img`, (1 + rnd(4)) * 256 * MiB)
          await d.createDomain(spec)
          return await d.startDomain(n)
        }
        case 3: return await d.startDomain(n)
        case 4: return rnd(2) === 0 ? await d.pauseDomain(n) : await d.unpauseDomain(n)
        case 5: return await d.shutdownDomain(n, { timeoutS: 1 + rnd(3), force: rnd(2) === 0 })
        case 6: return await d.destroyDomain(n)
        case 7: return await d.removeDomain(n, { deleteImages: rnd(2) === 0 })
        case 8: return await d.saveDomain(n, `ckpt/${n}`, { leaveRunning: rnd(2) === 0 })
        case 9: return await d.restoreDomain(`ckpt/${n}`)
        case 10:
          return rnd(2) === 0
            ? await d.copyImage(`images/${n}.img`, `images/${pick(names)}.img`)
            : await d.cloneImage(`images/${n}.img`, `images/${pick(names)}.img`, { mode: pick(['cow', 'copy'] as const) })
        case 11: return await d.deleteImage(rnd(2) === 0 ? `images/${n}.img` : `ckpt/${n}`)
        default: {
          const ac = new AbortController()
          if (rnd(4) === 0) c.engine.schedule(rnd(20) / 2, () => { ac.abort() })
          return await d.migrateDomain(n, { host: pick(c.hostnames()) }, {
            storage: pick(storages), signal: ac.signal, ...(rnd(3) === 0 ? { timeoutS: 1 + rnd(30) } : {})
          })
        }
      }
    }
    for (let batch = 0; batch < 40; batch++) {
      if (rnd(5) === 0) c.faults.failNext(pick(ops), rnd(2) === 0 ? { host: pick(c.hostnames()) } : {})
      const victim = pick(c.hostnames())
      if (rnd(8) === 0) c.faults.crashDomain(victim, pick(names), c.engine.nowS() + rnd(10))
      if (rnd(10) === 0) { c.faults.cutLink(victim, c.engine.nowS() + rnd(5)); c.faults.restoreLink(victim, c.engine.nowS() + 6) }
      // Seeds 5 and up lose one host for good half way: migrations into it fail, the others carry on.
      if (seed >= 5 && batch === 20) c.faults.crashHost(victim, c.engine.nowS() + rnd(10))
      const results = await Promise.allSettled(Array.from({ length: 6 }, async () => await one(pick(drivers))))
      migrated += results.filter(r => r.status === 'fulfilled' && typeof r.value === 'object' && r.value !== null && 'rounds' in r.value).length
      for (const r of results) {
        if (r.status === 'rejected') {
          const e = r.reason as Error
          expect(HYPERVISOR_ERROR_NAMES as readonly string[], `${e.name}: ${e.message}`).toContain(e.name)
          errors.push(e.name)
        }
      }
      await c.engine.clock.sleep(12)
      checkInvariants(c)
    }
    // The run did exercise failures as well as successes.
    expect(errors.length).toBeGreaterThan(10)
    expect(migrated).toBeGreaterThan(0)
    c.faults.plan.clear()
  })
})

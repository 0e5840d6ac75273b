/**
 * Engine benchmarks. Not a test: it prints
 * figures. Run: `npm run bench -w @xenos/sim-engine` or
 * `node bench/run-ts.mjs bench/engine.bench.ts [--quick]`.
 *
 * 1. Bare engine: timer events only (schedule + pop + callback).
 * 2. Flows: 1,000 concurrent transfers between random pairs of a 100-host
 *    network (one switch, full-duplex NICs); whenever one completes, a new one
 *    starts between another random pair, so 1,000 are always sharing the
 *    network. See the printed definitions of "event".
 */
import { performance } from 'node:perf_hooks'
import { Engine, definePlatform, type Platform } from '../src/index.js'
import { benchLine } from './bench-line.js'

function platform (hosts: number): Platform {
  return definePlatform({
    name: 'bench',
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.1, guestWorkingSetMiB: 128, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 512 },
    hostTypes: {
      t: {
        cores: 2, coreSpeedFlops: 1e9, memoryMiB: 2048, memoryBandwidthBps: 3e9,
        disks: [{ capacityBytes: 1e12, readBps: 80e6, writeBps: 80e6 }],
        nic: { bandwidthBps: 125e6, latencyS: 20e-6 }
      }
    },
    hosts: [{ prefix: 'h', count: hosts, type: 't' }]
  })
}

function fmt (n: number): string { return Math.round(n).toLocaleString('en-US') }

/** CPU seconds (user + system) of this process since `from`. */
function cpuS (from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1e6
}

/** Bare engine: `actors` self-rescheduling timers, `events` callbacks in total. */
export async function bareEngine (events: number, actors = 1000): Promise<{ events: number, wallS: number, cpuS: number, eventsPerS: number }> {
  const e = new Engine({ seed: 1, platform: platform(1) })
  let left = events
  const tick = (delayS: number): (() => void) => {
    const fn = (): void => { if (--left > actors) e.schedule(delayS, fn) }
    return fn
  }
  for (let i = 0; i < actors; i++) e.schedule(0, tick(1 + (i % 97) / 97))
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await e.run()
  const wallS = (performance.now() - t0) / 1000
  const ran = e.stats.events
  return { events: ran, wallS, cpuS: cpuS(c0), eventsPerS: ran / wallS }
}

/** 1,000 concurrent flows over `hosts` hosts until `completions` flows have completed. */
export async function concurrentFlows (completions: number, concurrent = 1000, hosts = 100): Promise<{
  completions: number
  starts: number
  solves: number
  wallS: number
  cpuS: number
  simS: number
  completionsPerS: number
  eventsPerS: number
  meanComponentVars: number
  meanChangedVars: number
}> {
  const e = new Engine({ seed: 1, platform: platform(hosts) })
  const r = e.random.fork('flows')
  const hs = e.hosts()
  let started = 0
  let done = 0
  const startOne = (): void => {
    const src = r.int(hosts)
    let dst = r.int(hosts - 1)
    if (dst >= src) dst++
    started++
    e.comm({ from: hs[src]!, to: hs[dst]!, bytes: 1e6 + Math.floor(r.next() * 99e6) })
      .onEnd(() => { if (++done + concurrent <= completions) startOne() })
      .start()
  }
  for (let i = 0; i < concurrent; i++) startOne()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await e.run()
  const wallS = (performance.now() - t0) / 1000
  const s = e.model.lmm.stats
  return {
    completions: done,
    starts: started,
    solves: s.solves,
    wallS,
    cpuS: cpuS(c0),
    simS: e.nowS(),
    completionsPerS: done / wallS,
    eventsPerS: (done + e.stats.events) / wallS,
    meanComponentVars: s.componentVariables / Math.max(1, s.solves),
    meanChangedVars: s.changedVariables / Math.max(1, s.solves)
  }
}

/**
 * Control-plane events while 1,000 flows are in flight: 1,000 long transfers
 * between random pairs of `hosts` hosts (none completes in the window) and,
 * on every host, a periodic timer (a heartbeat every 1 ms of simulated time)
 * that reads the progress of one of the flows.
 */
export async function timersWithFlows (
  events: number, concurrent = 1000, hosts = 100
): Promise<{ events: number, wallS: number, cpuS: number, eventsPerS: number, flowsInFlight: number }> {
  const e = new Engine({ seed: 2, platform: platform(hosts) })
  const r = e.random.fork('flows')
  const hs = e.hosts()
  const flows = []
  for (let i = 0; i < concurrent; i++) {
    const src = r.int(hosts)
    let dst = r.int(hosts - 1)
    if (dst >= src) dst++
    flows.push(e.comm({ from: hs[src]!, to: hs[dst]!, bytes: 1e15 }).start())
  }
  let left = events
  let progress = 0
  for (let h = 0; h < hosts; h++) {
    const flow = flows[h * 7 % concurrent]!
    const beat = (): void => {
      progress += flow.remaining()
      if (--left >= hosts) e.schedule(0.001, beat)
    }
    e.schedule(0.001 * h / hosts, beat)
  }
  await e.runUntil(0.0005) // latencies elapse, flows start, first solve
  const before = e.stats.events
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await e.runUntil(events / hosts * 0.001 + 1)
  const wallS = (performance.now() - t0) / 1000
  const ran = e.stats.events - before
  if (!(progress > 0)) throw new Error('expected flow progress to be read')
  return { events: ran, wallS, cpuS: cpuS(c0), eventsPerS: ran / wallS, flowsInFlight: flows.filter(f => f.state === 'started').length }
}

export async function main (argv: string[]): Promise<void> {
  const quick = argv.includes('--quick')
  console.log('sim-engine benchmarks (Node', process.version + ')')
  console.log('wall-clock rates depend on the load of the machine; "per CPU second" divides by this process\'s user + system CPU time')

  await bareEngine(200_000) // warm-up
  const bare = await bareEngine(quick ? 1_000_000 : 5_000_000)
  console.log('\n[1] bare engine: 1,000 self-rescheduling timers')
  console.log('    event = one timer callback popped from the queue and run (schedule + heap pop + call)')
  console.log(`    ${fmt(bare.events)} events in ${bare.wallS.toFixed(3)} s wall (${bare.cpuS.toFixed(3)} s CPU) = ${fmt(bare.eventsPerS)} events/s,`
    + ` ${fmt(bare.events / bare.cpuS)} per CPU second (target >= 2,000,000)`)

  await concurrentFlows(2_000)
  const flows = await concurrentFlows(quick ? 5_000 : 30_000)
  console.log('\n[2] 1,000 concurrent flows over a 100-host network (one switch, full-duplex 1 GbE NICs)')
  console.log('    each flow crosses its source up link and its destination down link; sizes 1-100 MB;')
  console.log('    each completion starts a replacement flow between a new random pair')
  console.log('    event = one flow completion processed by the engine. Each one removes the flow and re-solves')
  console.log('    the max-min sharing (incrementally: the affected part of the component, resumed from the lowest')
  console.log('    affected level), reschedules the flows whose rate changed, and starts a replacement whose')
  console.log('    latency timer, when it fires, adds the new flow and re-solves again. "engine events" below also')
  console.log('    counts those latency timers (one per flow).')
  console.log(`    ${fmt(flows.completions)} completions in ${flows.wallS.toFixed(3)} s wall`
    + ` (${flows.cpuS.toFixed(3)} s CPU; ${flows.simS.toFixed(1)} s simulated)`
    + ` = ${fmt(flows.completionsPerS)} flow completions/s, ${fmt(flows.completions / flows.cpuS)} per CPU second`)
  console.log(`    engine events (completions + latency timers) = ${fmt(flows.eventsPerS)} events/s (target >= 1,000,000)`)
  console.log(`    solves: ${fmt(flows.solves)}, mean variables re-solved per solve: ${flows.meanComponentVars.toFixed(0)} of ~1,000 in the component;`)
  console.log(`    mean flows whose rate changed per solve (the only completions rescheduled): ${flows.meanChangedVars.toFixed(0)}`)
  await concurrentFlows(5_000, 100)
  const small = await concurrentFlows(quick ? 20_000 : 100_000, 100)
  console.log(`    for scale: 100 concurrent flows on the same network: ${fmt(small.completions / small.cpuS)} flow completions per CPU second`
    + ` (${small.meanComponentVars.toFixed(0)} variables re-solved per solve)`)

  await timersWithFlows(100_000)
  const mixed = await timersWithFlows(quick ? 1_000_000 : 5_000_000)
  console.log('\n[3] engine events while 1,000 flows share the 100-host network (none completes in the window)')
  console.log('    every host runs a 1 ms heartbeat timer that reads one flow\'s progress (flow.remaining())')
  console.log('    event = one timer callback; in-flight flows cost nothing per event (lazy progress accounting:')
  console.log('    remaining = remaining at last rate change - rate x elapsed), only a rate change costs a solve')
  console.log(`    ${fmt(mixed.events)} events in ${mixed.wallS.toFixed(3)} s wall (${mixed.cpuS.toFixed(3)} s CPU) with ${mixed.flowsInFlight} flows in flight`
    + ` = ${fmt(mixed.eventsPerS)} events/s, ${fmt(mixed.events / mixed.cpuS)} per CPU second (target >= 1,000,000)`)
  const mem = process.memoryUsage()
  const peakRssMiB = process.resourceUsage().maxRSS / 1024
  console.log(`\n    peak RSS ${peakRssMiB.toFixed(0)} MiB, heap used now ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`)
  for (const line of [
    benchLine('engine-timer-events', bare.eventsPerS, 'events/s'),
    benchLine('engine-timer-events-per-cpu-s', bare.events / bare.cpuS, 'events/CPU s'),
    benchLine('engine-1000-flows-completions', flows.completionsPerS, 'completions/s'),
    benchLine('engine-1000-flows-events', flows.eventsPerS, 'events/s'),
    benchLine('engine-100-flows-completions-per-cpu-s', small.completions / small.cpuS, 'completions/CPU s'),
    benchLine('engine-timers-with-1000-flows', mixed.eventsPerS, 'events/s'),
    benchLine('engine-bench-peak-rss', peakRssMiB, 'MiB', undefined, false)
  ]) console.log(line)
}

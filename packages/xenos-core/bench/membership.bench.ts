/**
 * Membership benchmark: convergence of the protocol alone (100 members of
 * `Swim` on the simulated network, simulated time); convergence of 13 and
 * 100 coordinators on loopback in this process, with and without two CPU
 * burners beside them (with the process' CPU time,
 * event-loop delay, connections opened and closed, false suspicions and how
 * long a joiner took to reach every host); time to declare a stopped
 * coordinator failed; in network namespaces (when the machine allows them),
 * time to detect a partition on both sides, to heal it, and to detect a
 * kill -9. Every figure is printed, and also as a JSON line
 * `{"bench", "value", "unit", "peer", "ratio"}` (no peer here: null).
 *
 * Run: `npm run bench -w @xenos/core` (all benches) or
 * `node ../../scripts/run-ts.mjs bench/membership.bench.ts [-- --quick | --partition | --hosts N [--burners B]]` (quick: 13
 * coordinators only; partition: only the network namespace part; hosts, burners: only that convergence case). A case that does
 * not converge within 600 s is reported (how many hosts knew every other) and the others still run.
 */
import { cpus, loadavg } from 'node:os'
import { netnsUnavailable } from '../test/support/netns-lab.js'
import { SIM_NETWORK, benchConvergence, benchPartition, simConvergence } from './membership.js'

function line (bench: string, value: number, unit: string): string {
  return JSON.stringify({ bench, value: Number(value.toPrecision(6)), unit, peer: null, ratio: null })
}

function s (ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

export async function main (argv: string[]): Promise<void> {
  const quick = argv.includes('--quick')
  const partitionOnly = argv.includes('--partition')
  console.log(`Membership benchmark on ${cpus().length} cores, load average ${(loadavg()[0] ?? 0).toFixed(1)} at start${quick ? ' (quick)' : ''}`)
  const only = (flag: string): number | undefined => {
    const i = argv.indexOf(flag)
    if (i === -1) return undefined
    const v = Number(argv[i + 1])
    if (!Number.isInteger(v) || v < 0) throw new Error(`expected a whole number after ${flag}, found ${argv[i + 1]}`)
    return v
  }
  const hostsOnly = only('--hosts')
  const burnersOnly = only('--burners')
  if (!partitionOnly && hostsOnly === undefined && burnersOnly === undefined) {
    const net = SIM_NETWORK
    console.log(`Convergence of the protocol: members of Swim on the simulated network (${net.latencyMs} ms one way, `
      + `a new connection ${net.handshakeMs} ms of CPU on each side, one at a time per member), the first alone, then all others at once through it; `
      + 'default timings; simulated time')
    for (const n of [100]) {
      const f = await simConvergence(n)
      console.log(`  ${String(n).padStart(4)} members: every one knew every other ${s(f.convergeMs)} after the joins; `
        + `a joiner known by every member ${s(f.spreadMs.p50)} (median; largest ${s(f.spreadMs.max)}) after the first learnt of it; `
        + `${f.connections} connections, ${f.requests} requests, ${f.suspicions} suspicions (${s(f.wallMs)} of wall time)`)
      console.log(line(`membership.sim-converge.n${n}`, f.convergeMs, 'ms'))
      console.log(line(`membership.sim-requests.n${n}`, f.requests, 'requests'))
    }
  }
  if (!partitionOnly) {
    console.log('Convergence on loopback: coordinators in this process, the first alone, then all others at once through it; default timings. '
      + 'One event loop runs every host: the time measures how fast one core does the work of all of them (each connection\'s handshake, '
      + 'every membership message), which real hosts do in parallel')
  }
  const sizes = hostsOnly !== undefined ? [hostsOnly] : quick ? [13] : [13, 100]
  for (const n of partitionOnly ? [] : sizes) {
    for (const b of burnersOnly !== undefined ? [burnersOnly] : [0, 2]) {
      let f: Awaited<ReturnType<typeof benchConvergence>>
      try {
        f = await benchConvergence(n, b)
      } catch (err) {
        // a case that does not converge is a result too: the next cases still run
        console.log(`  ${String(n).padStart(3)} coordinators, ${b} burners: ${(err as Error).message}; load ${(loadavg()[0] ?? 0).toFixed(1)}`)
        const error = (err as Error).message
        console.log(JSON.stringify({ bench: `membership.converge.n${n}.burners${b}`, value: null, unit: 'ms', peer: null, ratio: null, error }))
        continue
      }
      console.log(`  ${String(n).padStart(3)} coordinators, ${b} burners: started in ${s(f.startMs)}, `
        + `every one knew every other ${s(f.convergeMs)} later (${s(f.totalMs)} in all); a stopped one declared failed by all in ${s(f.detectStopMs)}; `
        + `${f.steadyRequestsPerS.toFixed(0)} membership requests/s once converged; load ${f.load.toFixed(1)}`)
      console.log(`      until converged: ${s(f.cpuMs)} of CPU in this process over ${s(f.totalMs)} of wall time `
        + `(${(f.cpuMs / f.totalMs).toFixed(2)} cores); event-loop delay median ${f.loopDelayMs.p50.toFixed(0)} ms, `
        + `99th percentile ${f.loopDelayMs.p99.toFixed(0)} ms, largest ${f.loopDelayMs.max.toFixed(0)} ms; `
        + `${f.connectionsOpened} connections opened, ${f.connectionsClosed} closed, ${f.connectionsOpen} open; ${f.suspicions} alive-to-suspect transitions; `
        + `a joiner known by every host ${s(f.spreadMs.p50)} (median; largest ${s(f.spreadMs.max)}) after the first host learnt of it`)
      const tag = `n${n}.burners${b}`
      console.log(line(`membership.converge.${tag}`, f.convergeMs, 'ms'))
      console.log(line(`membership.start-to-converged.${tag}`, f.totalMs, 'ms'))
      console.log(line(`membership.detect-stopped.${tag}`, f.detectStopMs, 'ms'))
      console.log(line(`membership.steady-requests.${tag}`, f.steadyRequestsPerS, 'requests/s'))
      console.log(line(`membership.converge-cpu.${tag}`, f.cpuMs, 'ms'))
      console.log(line(`membership.converge-loop-delay-p99.${tag}`, f.loopDelayMs.p99, 'ms'))
      console.log(line(`membership.converge-connections-opened.${tag}`, f.connectionsOpened, 'connections'))
      console.log(line(`membership.converge-connections-closed.${tag}`, f.connectionsClosed, 'connections'))
      console.log(line(`membership.converge-suspicions.${tag}`, f.suspicions, 'transitions'))
      console.log(line(`membership.join-spread-max.${tag}`, f.spreadMs.max, 'ms'))
    }
  }
  if (hostsOnly !== undefined || burnersOnly !== undefined) return
  const why = netnsUnavailable()
  if (why !== undefined) {
    console.log(`Partition and kill -9 in network namespaces: skipped, ${why}`)
    return
  }
  console.log('Partition and kill -9: five overlay processes, one per network namespace on one bridge; default timings')
  for (const b of [0, 2]) {
    const f = await benchPartition(b)
    console.log(`  ${b} burners: cut-off host declared failed by all others in ${s(f.detectPartitionMs)}, it declared them all failed in ${s(f.cutSideMs)}; `
      + `healed on both sides ${s(f.healMs)} after the link came back; kill -9 declared by all in ${s(f.detectKill9Ms)}; load ${f.load.toFixed(1)}`)
    console.log(line(`membership.partition-detect.burners${b}`, f.detectPartitionMs, 'ms'))
    console.log(line(`membership.partition-cut-side.burners${b}`, f.cutSideMs, 'ms'))
    console.log(line(`membership.partition-heal.burners${b}`, f.healMs, 'ms'))
    console.log(line(`membership.kill9-detect.burners${b}`, f.detectKill9Ms, 'ms'))
  }
}

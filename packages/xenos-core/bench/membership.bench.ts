/**
 * Membership benchmark: convergence of 13 and 100 coordinators on loopback,
 * with and without two CPU burners beside them; time to declare a stopped
 * coordinator failed; in network namespaces (when the machine allows them),
 * time to detect a partition on both sides, to heal it, and to detect a
 * kill -9. Every figure is printed, and also as a JSON line
 * `{"bench", "value", "unit", "peer", "ratio"}` (no peer here: null).
 *
 * Run: `npm run bench -w @xenos/core` (all benches) or
 * `node ../../scripts/run-ts.mjs bench/membership.bench.ts [-- --quick | --partition]` (quick: 13 coordinators only;
 * partition: only the network namespace part). A case that does not converge within 600 s is reported (how
 * many hosts knew every other) and the others still run.
 */
import { cpus, loadavg } from 'node:os'
import { netnsUnavailable } from '../test/support/netns-lab.js'
import { benchConvergence, benchPartition } from './membership.js'

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
  if (!partitionOnly) console.log('Convergence: coordinators in this process on loopback, the first alone, then all others at once through it; default timings')
  for (const n of partitionOnly ? [] : quick ? [13] : [13, 100]) {
    for (const b of [0, 2]) {
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
      const tag = `n${n}.burners${b}`
      console.log(line(`membership.converge.${tag}`, f.convergeMs, 'ms'))
      console.log(line(`membership.start-to-converged.${tag}`, f.totalMs, 'ms'))
      console.log(line(`membership.detect-stopped.${tag}`, f.detectStopMs, 'ms'))
      console.log(line(`membership.steady-requests.${tag}`, f.steadyRequestsPerS, 'requests/s'))
    }
  }
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

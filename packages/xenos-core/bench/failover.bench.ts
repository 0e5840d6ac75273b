/**
 * Failover benchmark on the simulated paper cluster (13 hosts, a real
 * coordinator on each, with its failover agent, over the simulated overlay
 * and image port; see `failover-sim.ts`). A host running 20 `resume` services
 * (64 MiB each, 2 replicas) crashes, with checkpoints every 60 s and every
 * 30 s; then the same host is cut off for 60 s and comes back. Printed, all
 * on the simulated clock: when the others had declared it failed, when each
 * service ran again, the work each lost, the checkpoint bytes guardians
 * fetched, and for the partition when the host fenced itself and the most
 * copies of one service that ever ran at once. Every figure also as a JSON
 * line `{"bench", "value", "unit", "peer", "ratio"}` (no peer: null). The
 * same seed gives the same figures.
 *
 * Run: `npm run bench -w @xenos/core` (all benches) or
 * `node ../../scripts/run-ts.mjs bench/failover.bench.ts [-- --seed N]`.
 */
import { runFailoverSim, type FailoverSimResult } from './failover-sim.js'

function line (bench: string, value: number, unit: string): string {
  return JSON.stringify({ bench, value: Number(value.toPrecision(6)), unit, peer: null, ratio: null })
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const max = (xs: number[]): number => xs.reduce((a, b) => Math.max(a, b), -Infinity)
const GB = 1e9

function report (tag: string, r: FailoverSimResult): void {
  const back = r.recoverS.length
  const first = r.firstElsewhereS?.toFixed(1) ?? '-'
  console.log(`  declared failed by all ${r.hosts - 1} others after ${r.declaredS.toFixed(1)} s; a first copy ran elsewhere at ${first} s`)
  const firstBack = (r.recoverS[0] ?? NaN).toFixed(1)
  console.log(`  ${back} of ${r.services} services taken over: the first running again at ${firstBack} s, the last at ${max(r.recoverS).toFixed(1)} s `
    + `(mean ${mean(r.recoverS).toFixed(1)} s); ${r.runningAtEnd} running at the end; ${r.takeoversFailed} takeovers failed`)
  const lost = `mean ${mean(r.workLostS).toFixed(1)} s, max ${max(r.workLostS).toFixed(1)} s`
  console.log(`  work lost per service: ${lost} (${r.workLostS.length} resumed from a checkpoint, ${r.restarted} restarted from the template)`)
  console.log(`  checkpoints fetched by guardians: ${(r.bytesBefore / GB).toFixed(2)} GB before the fault (${r.checkpoints} checkpoints taken), `
    + `${(r.bytesAfter / GB).toFixed(2)} GB after it (to the new owners' guardians); template bytes fetched: ${(r.templateBytes / GB).toFixed(2)} GB`)
  console.log(`  most copies of one service running at once: ${r.maxCopies}; stale copies destroyed: ${r.staleDiscarded}`
    + `${r.fencedS === undefined ? '' : `; the cut-off host paused its guests at ${r.fencedS.toFixed(1)} s`}`)
  console.log(line(`failover.${tag}.declared`, r.declaredS, 's'))
  console.log(line(`failover.${tag}.recovered-all`, max(r.recoverS), 's'))
  console.log(line(`failover.${tag}.recovered-mean`, mean(r.recoverS), 's'))
  console.log(line(`failover.${tag}.services-back`, back, 'services'))
  console.log(line(`failover.${tag}.restarted`, r.restarted, 'services'))
  console.log(line(`failover.${tag}.work-lost-mean`, mean(r.workLostS), 's'))
  console.log(line(`failover.${tag}.work-lost-max`, max(r.workLostS), 's'))
  console.log(line(`failover.${tag}.bytes-before`, r.bytesBefore, 'bytes'))
  console.log(line(`failover.${tag}.bytes-after`, r.bytesAfter, 'bytes'))
  console.log(line(`failover.${tag}.max-copies`, r.maxCopies, 'copies'))
  if (r.fencedS !== undefined) console.log(line(`failover.${tag}.fenced`, r.fencedS, 's'))
}

export async function main (argv: string[]): Promise<void> {
  const at = argv.indexOf('--seed')
  const seed = at === -1 ? 1 : Number(argv[at + 1])
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed: expected an integer >= 0, found ${argv[at + 1] ?? 'nothing'}`)
  console.log(`Failover on the simulated paper cluster (seed ${seed}), a coordinator per host: 20 resume services of 64 MiB on one host, 2 replicas, `
    + 'membership and failover at their default timings (takeover delay 10 s); times from the fault, on the simulated clock')
  for (const interval of [60, 30]) {
    console.log(`Host crash, checkpoints every ${interval} s:`)
    report(`crash.ckpt${interval}`, await runFailoverSim({ seed, policy: { checkpointIntervalS: interval } }))
  }
  console.log('Partition of the same host for 60 s, then healed (checkpoints every 60 s):')
  report('partition', await runFailoverSim({ seed, fault: 'partition', partitionS: 60 }))
}

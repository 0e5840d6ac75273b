/**
 * Where the first message run of a fresh process spends its time: for each of
 * `--repeat` fresh Node processes (default 7, the V8 flags of the `xenos`
 * command's simulations, as `messages.bench.ts` runs its child), the wall time
 * of creating the platform, of creating the engine, and of each twentieth of
 * the messages (5 per host) as they arrive; the garbage collections inside the
 * run (V8's pauses, from `PerformanceObserver`); the CPU of the main thread and
 * of the whole process over the run; and, in the same process afterwards,
 * three more runs of the same scenario, which find the engine's code compiled
 * and optimized. Medians over the processes.
 *
 * Usage, from the package folder (the child runs compiled, as the message bench's does):
 *   tsc -p tsconfig.bench.json && node ../../scripts/run-ts.mjs bench/message-phases.ts -- [HOSTS] [--repeat N]
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import module from 'node:module'
import { loadavg } from 'node:os'
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { simulationFlags } from './messages.bench.js'

const SLICES = 20
const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bench', 'bench', 'message-phases.js')

interface ChildFigures {
  platformMs: number
  engineMs: number
  /** Wall milliseconds of each twentieth of the messages, in order of arrival. */
  slicesMs: number[]
  runMs: number
  runMainCpuMs: number
  runCpuMs: number
  /** Garbage collections that began inside the run: kind and pause, milliseconds. */
  gcs: Array<{ kind: string, ms: number }>
  /** The same scenario run again three times in the same process, each from creating its platform. */
  laterRunsMs: number[]
}

const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks' }

async function child (hosts: number): Promise<void> {
  // As the `xenos` command and the message bench's child do: Node's compile cache, then the engine's modules.
  module.enableCompileCache?.()
  const { messagePlatform, runMessages } = await import('./message-scenario.js')
  const { Engine } = await import('../src/index.js')
  const gcs: Array<{ kind: string, startMs: number, ms: number }> = []
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e.toJSON() as { detail?: { kind?: number } }).detail?.kind ?? 0
      gcs.push({ kind: GC_KINDS[kind] ?? `kind ${kind}`, startMs: e.startTime, ms: e.duration })
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const perSlice = hosts * 100 / SLICES
  const marks: number[] = []
  const onArrival = (arrived: number): void => { if (arrived % perSlice === 0) marks.push(performance.now()) }
  const c0 = process.cpuUsage()
  const m0 = process.threadCpuUsage()
  const t0 = performance.now()
  const platform = messagePlatform(hosts)
  const tPlatform = performance.now()
  const engine = new Engine({ seed: 1, platform })
  const tEngine = performance.now()
  await runMessages(engine, { hosts, onArrival })
  const tEnd = performance.now()
  const cpu = process.cpuUsage(c0)
  const main = process.threadCpuUsage(m0)
  const laterRunsMs: number[] = []
  for (let k = 0; k < 3; k++) {
    const s0 = performance.now()
    await runMessages(new Engine({ seed: 1, platform: messagePlatform(hosts) }), { hosts })
    laterRunsMs.push(performance.now() - s0)
  }
  // GC entries come some time after the collections.
  await new Promise(resolve => setTimeout(resolve, 50))
  observer.disconnect()
  const figures: ChildFigures = {
    platformMs: tPlatform - t0,
    engineMs: tEngine - tPlatform,
    slicesMs: marks.map((m, i) => m - (i === 0 ? tEngine : marks[i - 1]!)),
    runMs: tEnd - t0,
    runMainCpuMs: (main.user + main.system) / 1000,
    runCpuMs: (cpu.user + cpu.system) / 1000,
    gcs: gcs.filter(g => g.startMs >= t0 && g.startMs <= tEnd).map(g => ({ kind: g.kind, ms: g.ms })),
    laterRunsMs
  }
  console.log(JSON.stringify(figures))
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

function parent (hosts: number, repeat: number): void {
  const flags = simulationFlags()
  const runs: ChildFigures[] = []
  for (let i = 0; i < repeat; i++) {
    const r = spawnSync(process.execPath, [...flags, CHILD, '--child', String(hosts)], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${CHILD} --child ${hosts}: expected exit status 0, found ${String(r.status)}: ${r.stderr}`)
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildFigures)
  }
  const ms = (x: number): string => x.toFixed(2).padStart(7)
  const messages = hosts * 100
  console.log(`[message-phases] ${hosts} hosts, ${messages.toLocaleString('en-US')} messages; medians of ${repeat} fresh processes;`
    + ` Node ${process.version}, V8 flags: ${flags.join(' ')}`)
  console.log(`  first run, from creating the platform to the last arrival: ${ms(median(runs.map(r => r.runMs)))} ms`
    + ` (main thread CPU ${median(runs.map(r => r.runMainCpuMs)).toFixed(2)} ms, all threads ${median(runs.map(r => r.runCpuMs)).toFixed(2)} ms)`)
  console.log(`    platform (definePlatform)        ${ms(median(runs.map(r => r.platformMs)))} ms`)
  console.log(`    engine (new Engine)              ${ms(median(runs.map(r => r.engineMs)))} ms`)
  const per = messages / SLICES
  for (let k = 0; k < SLICES; k++) {
    const slice = median(runs.map(r => r.slicesMs[k] ?? NaN))
    const range = `${String(k * per + 1).padStart(6)}-${String((k + 1) * per).padEnd(6)}`
    console.log(`    messages ${range}      ${ms(slice)} ms  (${(slice * 1000 / per).toFixed(1)} us each)`)
  }
  const gcTotals = runs.map(r => r.gcs.reduce((s, g) => s + g.ms, 0))
  const kinds = [...new Set(runs.flatMap(r => r.gcs.map(g => g.kind)))]
  const counts = kinds.map(k => `${k} ${median(runs.map(r => r.gcs.filter(g => g.kind === k).length))}`).join(', ')
  console.log(`    of which garbage collection      ${ms(median(gcTotals))} ms  (median counts: ${counts || 'none'})`)
  for (let k = 0; k < 3; k++) {
    const later = median(runs.map(r => r.laterRunsMs[k]!))
    console.log(`  run ${k + 2} in the same process:        ${ms(later)} ms  (${(later * 1000 / messages).toFixed(1)} us per message)`)
  }
  console.log(`  load average ${loadavg().map(x => x.toFixed(2)).join(' ')}`)
}

/** The breakdown (run by `scripts/run-ts.mjs`): `[HOSTS] [--repeat N]`. */
export function main (argv: string[]): void {
  const r = argv.indexOf('--repeat')
  const repeat = r >= 0 ? Number(argv[r + 1]) : 7
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`--repeat: expected an integer >= 1, found ${String(argv[r + 1])}`)
  const hostsArg = argv.find((a, i) => /^\d+$/.test(a) && argv[i - 1] !== '--repeat')
  const hosts = hostsArg === undefined ? 13 : Number(hostsArg)
  if (!Number.isInteger(hosts) || hosts < 2) throw new RangeError(`HOSTS: expected an integer >= 2, found ${String(hostsArg)}`)
  if (!existsSync(CHILD)) throw new Error(`expected the compiled breakdown at ${CHILD}, found none: run tsc -p tsconfig.bench.json`)
  parent(hosts, repeat)
}

// The child: `node dist/bench/bench/message-phases.js --child HOSTS`.
if (process.argv[2] === '--child') await child(Number(process.argv[3]))

/**
 * The message scenario (`message-scenario.ts`) beside SimGrid, in one run:
 * for 13, 100 and 1,000 hosts, a fresh Node process runs the engine
 * (`message-run.ts`, compiled by `tsc -p tsconfig.bench.json`) and, when
 * SimGrid's development files and g++ are installed (`node
 * scripts/setup.mjs --packages simgrid`), a fresh process runs SimGrid 3.32 on
 * the same scenario (`simgrid/messages.cpp`, compiled once into
 * `dist/bench/`). Each figure is the median of `--repeat` runs (default 3).
 *
 * Figures, per number of hosts, each also printed as one JSON line
 * (`bench-line.ts`; peer: SimGrid's figure):
 * - messages per wall second of the whole process (start-up included);
 * - messages per wall second from creating the engine to the end of the run
 *   (the first simulation of a fresh process);
 * - messages per CPU second of that run: all the process's threads (ours
 *   has the compiler's and the garbage collector's besides the main one),
 *   and ours on its main thread alone against SimGrid's whole process (one
 *   thread): CPU time moves far less than wall time when the machine is
 *   shared, and the main thread's is what a quiet machine's wall time would be;
 * - the process start-up, seconds (whole process minus that run);
 * - the simulated time of the last arrival and the mean arrival time (the
 *   models must agree; `test/simgrid-messages.spec.ts` asserts it). With 20
 *   messages per host every arrival agrees with SimGrid's to the nanosecond;
 *   with 100 the last arrival differs by up to 3% and the mean by 0.2%, which
 *   is each host's chain of messages amplifying rounding, not a difference of
 *   model: one part in 10^15 more bytes per message moves our last 13-host
 *   arrival from 1.6079 to 1.6337 s, and SimGrid's own update modes end it at
 *   1.6249 s (network/optim:Lazy, its default, used here) and 1.6398 s (Full).
 *   SimGrid's settings are printed with its figures (`simgrid/messages.cpp`).
 *
 * `message-phases.ts` breaks our first run down (platform, engine, each
 * twentieth of the messages, garbage collections, later runs in the same process).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { benchLine } from './bench-line.js'

const here = dirname(fileURLToPath(import.meta.url))
const pkg = join(here, '..')
const CHILD = join(pkg, 'dist', 'bench', 'bench', 'message-run.js')
const SOURCE = join(here, 'simgrid', 'messages.cpp')
const BINARY = join(pkg, 'dist', 'bench', 'simgrid-messages')
/** The launcher's list of the V8 flags it gives its simulations (plain JavaScript, read at run time). */
const LAUNCHER_FLAGS = join(pkg, '..', 'cli', 'bin', 'heap.js')

/**
 * The V8 flags the `xenos` command runs its simulations with, so that our child runs as they do
 * (read by a plain Node: this module runs in Vite's module runner, which does not import it).
 */
export function simulationFlags (): string[] {
  const probe = `import(${JSON.stringify(pathToFileURL(LAUNCHER_FLAGS).href)}).then(m => console.log(JSON.stringify(m.SIMULATION_V8_FLAGS)))`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })
  const flags: unknown = r.status === 0 ? JSON.parse(r.stdout) : undefined
  if (!Array.isArray(flags) || !flags.every(f => typeof f === 'string')) {
    throw new TypeError(`${LAUNCHER_FLAGS}: expected SIMULATION_V8_FLAGS, a list of strings, found ${r.stdout}${r.stderr}`)
  }
  return flags as string[]
}

interface RunFigures {
  messages: number
  simS: number
  meanArrivalS: number
  /** Wall seconds from creating the engine to the end of the run. */
  runS: number
  /** CPU seconds of the process (every thread) over the run. */
  runCpuS: number
  /** CPU seconds of the main thread over the run (SimGrid's process is one thread: its runCpuS). */
  runMainCpuS: number
  /** Wall seconds of the whole process, measured by this parent. */
  processS: number
  /** SimGrid's settings as its program set them (`--cfg` syntax, space-separated); ours print none. */
  config?: string
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Runs `command` once in a fresh process; its last stdout line is its JSON figures. */
function runOnce (command: string, args: string[]): RunFigures {
  const t0 = performance.now()
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 })
  const processS = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: expected exit status 0, found ${String(r.status)}: ${r.stderr}`)
  const line = r.stdout.trim().split('\n').pop() ?? ''
  const f = JSON.parse(line) as Omit<RunFigures, 'processS' | 'runMainCpuS'> & { runMainCpuS?: number }
  return { ...f, runMainCpuS: f.runMainCpuS ?? f.runCpuS, processS }
}

function medianRun (command: string, args: string[], repeat: number): RunFigures {
  const runs = Array.from({ length: repeat }, () => runOnce(command, args))
  const first = runs[0]!
  return {
    messages: first.messages,
    simS: first.simS,
    meanArrivalS: first.meanArrivalS,
    config: first.config,
    runS: median(runs.map(r => r.runS)),
    runCpuS: median(runs.map(r => r.runCpuS)),
    runMainCpuS: median(runs.map(r => r.runMainCpuS)),
    processS: median(runs.map(r => r.processS))
  }
}

/** The SimGrid program, compiled when missing or older than its source; undefined when SimGrid or g++ is not installed. */
export function simgridBinary (log: (s: string) => void = () => undefined): string | undefined {
  if (!existsSync('/usr/include/simgrid/s4u.hpp')) {
    log('SimGrid is not installed (node scripts/setup.mjs --packages simgrid): no peer figures')
    return undefined
  }
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY
  mkdirSync(dirname(BINARY), { recursive: true })
  log(`compiling ${SOURCE} with g++ ...`)
  const r = spawnSync('g++', ['-O2', '-std=c++17', SOURCE, '-o', BINARY, '-lsimgrid'], { encoding: 'utf8' })
  if (r.error !== undefined || r.status !== 0) { log(`g++ failed: ${r.error?.message ?? r.stderr}`); return undefined }
  return BINARY
}

export async function main (argv: string[]): Promise<void> {
  const i = argv.indexOf('--repeat')
  const repeat = i >= 0 ? Number(argv[i + 1]) : 3
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`--repeat: expected an integer >= 1, found ${String(argv[i + 1])}`)
  if (!existsSync(CHILD)) throw new Error(`expected the compiled scenario at ${CHILD}, found none: run tsc -p tsconfig.bench.json (npm run bench does)`)
  const flags = simulationFlags()
  const sg = simgridBinary((s) => { console.log(`    ${s}`) })
  console.log(`\n[messages] N hosts on a 1 GbE star, each sends 100 messages of 1 MB to pseudo-random peers, one after the other;`)
  console.log(`    fresh processes, median of ${repeat}; ours: Node ${process.version}`
    + ` with the V8 flags of the xenos command's simulations: ${flags.join(' ')}`)
  const lines: string[] = []
  let peerConfig: string | undefined
  for (const hosts of [13, 100, 1000]) {
    const ours = medianRun(process.execPath, [...flags, CHILD, String(hosts)], repeat)
    const peer = sg === undefined ? undefined : medianRun(sg, [String(hosts), '--log=root.thres:warning'], repeat)
    if (peer !== undefined && peer.config !== peerConfig) {
      peerConfig = peer.config
      console.log(`    peer: SimGrid 3.32, plain max-min sharing: --cfg=${(peer.config ?? 'none printed').split(' ').join(' --cfg=')}`)
    }
    const fmt = (f: RunFigures): string => `${Math.round(f.messages / f.processS).toLocaleString('en-US')} messages/s whole process `
      + `(${f.processS.toFixed(3)} s), ${Math.round(f.messages / f.runS).toLocaleString('en-US')}/s from engine creation (${f.runS.toFixed(3)} s), `
      + `CPU ${f.runCpuS.toFixed(3)} s (main thread ${f.runMainCpuS.toFixed(3)} s), start-up ${(f.processS - f.runS).toFixed(3)} s, `
      + `simulated ${f.simS.toFixed(6)} s (mean arrival ${f.meanArrivalS.toFixed(6)} s)`
    console.log(`    ${hosts} hosts, ${ours.messages.toLocaleString('en-US')} messages`)
    console.log(`      ours:    ${fmt(ours)}`)
    if (peer !== undefined) console.log(`      SimGrid: ${fmt(peer)}`)
    const name = `messages-${hosts}-hosts`
    lines.push(benchLine(`${name}-process`, ours.messages / ours.processS, 'messages/s', peer === undefined ? undefined : peer.messages / peer.processS))
    lines.push(benchLine(`${name}-first-run`, ours.messages / ours.runS, 'messages/s', peer === undefined ? undefined : peer.messages / peer.runS))
    const peerPerCpuS = peer === undefined ? undefined : peer.messages / peer.runCpuS
    lines.push(benchLine(`${name}-first-run-cpu`, ours.messages / ours.runCpuS, 'messages/cpu-s', peerPerCpuS))
    lines.push(benchLine(`${name}-first-run-main-thread-cpu`, ours.messages / ours.runMainCpuS, 'messages/cpu-s', peerPerCpuS))
    lines.push(benchLine(`${name}-start-up`, ours.processS - ours.runS, 's', peer === undefined ? undefined : peer.processS - peer.runS, false))
    lines.push(benchLine(`${name}-simulated-end`, ours.simS, 's (simulated)', peer?.simS))
    lines.push(benchLine(`${name}-simulated-mean-arrival`, ours.meanArrivalS, 's (simulated)', peer?.meanArrivalS))
  }
  console.log(`    load average ${loadavg().map(x => x.toFixed(2)).join(' ')} (the machine is shared: wall figures move with it)`)
  for (const l of lines) console.log(l)
}

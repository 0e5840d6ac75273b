import type { Command } from 'commander'
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import {
  EXPERIMENTS, experimentByName, runExperiments, simTestbedFactory,
  platformAssumptions, writeResultsAndReport, loadXenTestbed, checkTestbedFor, checkPlatformFor, openRunJournal,
  runSensitivity, workerPool, cachedPointRuns, defaultSensitivityFindings, CONTROL_PLANE_EXPERIMENTS, FINDINGS, type SensitivityInit
} from '@xenos/experiments'
import { RESULT_SCHEMA_VERSION, type Backend, type ExperimentDefinition, type PlatformInfo, type TestbedFactory } from '@xenos/experiment-interface'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { formatProgress } from '@xenos/deployer'
import { createHash } from 'node:crypto'
import { access, mkdir, readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import type { RunRecord, SensitivityAnalysis } from '@xenos/experiment-interface'
import { codeFingerprint } from './code-fingerprint.js'
import { version } from '../program.js'
import { progress } from './progress.js'
import { RunStoppedError, UsageError } from '../errors.js'

export { UsageError, RunStoppedError }

interface RunFlags {
  backend: string
  platform?: string
  testbed?: string
  seed: string
  repeat: string
  out: string
  fresh?: boolean
  /** `xenos paper` only: the sensitivity stage after the figures (on unless --no-sensitivity). */
  sensitivity?: boolean
  sensitivityOf?: string
  workers?: string
}

interface SensitivityFlags { out: string, platform?: string, costs?: string, inputs?: string, seed: string, repeat: string, workers?: string }

function intFlag (name: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer >= ${min}, found "${value}"`)
  return n
}

async function gitCommit (): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: dirname(PAPER_PLATFORM_FILE) })
    return stdout.trim()
  } catch {
    // Not a git checkout (an installed package): the version alone identifies the software.
    return undefined
  }
}

/** The testbed factory and platform record for the chosen backend, every flag (and on xen the testbed file, for these experiments) checked first. */
async function testbedFor (
  flags: RunFlags, defs: readonly ExperimentDefinition[], repetitions: number, onDeployProgress: (label: string) => void
): Promise<{ backend: Backend, factory: TestbedFactory, platform: PlatformInfo }> {
  if (flags.backend === 'sim') {
    if (flags.testbed !== undefined) {
      throw new UsageError('--testbed: expected only with --backend xen, found it with --backend sim (use --platform for the simulated cluster)')
    }
    const platformFile = flags.platform ?? PAPER_PLATFORM_FILE
    const platform = await loadPlatform(platformFile)
    checkPlatformFor(platformFile, platform.hosts.length, defs)
    const sha256 = createHash('sha256').update(await readFile(platformFile)).digest('hex')
    const info = { name: platform.name, file: platformFile, sha256, assumptions: platformAssumptions(platform) }
    return { backend: 'sim', factory: await simTestbedFactory({ platformFile }), platform: info }
  }
  if (flags.backend === 'xen') {
    if (flags.platform !== undefined) {
      throw new UsageError('--platform: expected only with --backend sim, found it with --backend xen (the testbed file describes the lab)')
    }
    if (flags.testbed === undefined) {
      throw new UsageError('--backend xen: expected --testbed FILE naming the lab (coordinators\' API, hosts, SSH, Hadoop;'
        + ' see examples/testbeds/lab.yaml and docs/lab-guide.md section 7), found none')
    }
    const file = flags.testbed
    await access(file).catch(() => { throw new UsageError(`--testbed: expected a readable testbed file, found none at ${file}`) })
    const lab = await loadXenTestbed({ testbedFile: file, onDeployProgress: (e) => { onDeployProgress(`deploy: ${formatProgress(e)}`) } })
    checkTestbedFor(lab.file, file, defs, repetitions)
    return { backend: 'xen', factory: lab.factory, platform: lab.platform }
  }
  throw new UsageError(`--backend: expected "sim" or "xen", found "${flags.backend}"`)
}

async function runAndReport (defs: readonly ExperimentDefinition[], flags: RunFlags): Promise<void> {
  const seed = intFlag('seed', flags.seed, 0)
  const repetitions = intFlag('repeat', flags.repeat, 1)
  const workers = intFlag('workers', flags.workers ?? defaultWorkers(), 1)
  const findings = sensitivityFindings(flags.sensitivityOf)
  const bar = progress(process.stderr)
  let fraction = 0
  const { backend, factory, platform } = await testbedFor(flags, defs, repetitions, (label) => { bar.update(fraction, label) })
  const commit = await gitCommit()
  const started = new Date()
  const software = { name: '@xenos/cli', version: version(), ...(commit !== undefined ? { gitCommit: commit } : {}) }
  await mkdir(flags.out, { recursive: true })
  const identity = { backend, platform: { name: platform.name, sha256: platform.sha256 }, experiments: defs.map(d => d.name), seed, repetitions, software }
  const journal = await openRunJournal(flags.out, identity, {
    fresh: flags.fresh === true,
    onDiscard: (reason) => { process.stderr.write(`xenos: ${reason}\n`) }
  })
  const steps = defs.length * repetitions
  if (journal.resumedSteps > 0) {
    process.stderr.write(`xenos: resuming: ${journal.resumedSteps} of ${steps} steps already done (${journal.file}; --fresh starts over)\n`)
  }
  let resultSet
  try {
    resultSet = await runExperiments(defs, {
      backend,
      factory,
      platform,
      seed,
      repetitions,
      software,
      startedAt: started.toISOString(),
      journal,
      onProgress: (f, label) => { fraction = f; bar.update(f, label) }
    })
  } catch (err) {
    await journal.close()
    const kept = [...Array(repetitions).keys()].reduce((n, r) => n + defs.filter(d => journal.get(d.name, r) !== undefined).length, 0)
    throw new RunStoppedError(err,
      `${kept} of ${steps} steps are kept in ${journal.file}: run the same command again to continue from there (--fresh starts over)`)
  }
  const { resultsFile, report } = await writeResultsAndReport(flags.out, resultSet)
  await journal.remove()
  const wallS = ((Date.now() - started.getTime()) / 1000).toFixed(1)
  bar.done(`${resultSet.runs.length} runs in ${wallS} s of wall time; results: ${resultsFile};`
    + ` report: ${join(flags.out, 'report.html')} (${report.files.length} files)`)
  if (flags.sensitivity !== true) return
  if (backend !== 'sim') {
    process.stderr.write('xenos: no sensitivity analysis on --backend xen: the estimates it moves are the simulated platform\'s and the model\'s\n')
    return
  }
  const stage = Date.now()
  const all = flags.sensitivityOf === 'all'
  const leftOutBecause = flags.sensitivityOf === undefined
    ? `not analysed by default: its experiment (${CONTROL_PLANE_EXPERIMENTS.join(' or ')}) starts a real coordinator on every simulated host,`
    + ' which makes each of the runs it needs many times costlier than one of the simulated Hadoop; `xenos paper --sensitivity-of all` analyses it'
    : 'not analysed: not asked for (--sensitivity-of)'
  const { analysis, cpuS } = await sensitivityStage({
    findings, ...(all ? {} : { leftOutBecause }), platformFile: platform.file, seed, repetitions: 1, outDir: flags.out, baseRuns: resultSet.runs
  }, workers)
  await writeResultsAndReport(flags.out, resultSet, { sensitivity: analysis })
  const stageS = ((Date.now() - stage) / 1000).toFixed(1)
  const fragile = analysis.findings.filter(f => f.fragile).map(f => f.id)
  bar.done(`sensitivity of ${analysis.findings.length} findings to ${analysis.estimates.length} estimated inputs in ${stageS} s of wall time`
    + ` and ${cpuS.toFixed(1)} s of CPU (${analysis.perturbedRuns} runs, ${workers} workers); fragile: ${fragile.join(', ') || 'none'};`
    + ` report: ${join(flags.out, 'report.html')}`)
}

/**
 * The findings `--sensitivity-of` names (every one judged on the model for
 * `all`, the default set when absent), checked before any run starts.
 */
function sensitivityFindings (flag: string | undefined): string[] {
  if (flag === undefined) return defaultSensitivityFindings()
  if (flag === 'all') return []
  const ids = flag.split(',').map(x => x.trim()).filter(x => x !== '')
  const known = FINDINGS.filter(f => f.modelOutput).map(f => f.id)
  const bad = ids.find(id => !known.includes(id))
  if (ids.length === 0 || bad !== undefined) {
    throw new UsageError(`--sensitivity-of: expected "all" or findings judged on the model (${known.join(', ')}), found "${flag}"`)
  }
  return ids
}

/** Worker processes of the sensitivity analysis by default: one per core, at most 4. */
function defaultWorkers (): string {
  return String(Math.min(4, availableParallelism()))
}

/**
 * Runs the sensitivity analysis in `workers` worker processes, each run kept
 * in `<outDir>/sensitivity/cache/` for the same code and inputs (runs of
 * other code are removed once it ends), with progress; `cpuS`: the CPU time
 * of this process and of the worker processes.
 */
async function sensitivityStage (
  init: Omit<SensitivityInit, 'run' | 'parallel' | 'onProgress'>, workers: number
): Promise<{ analysis: SensitivityAnalysis, baseRuns: RunRecord[], cacheHits: number, cpuS: number }> {
  const bar = progress(process.stderr)
  const cpu = process.cpuUsage()
  const pool = workerPool({ workers })
  const cache = cachedPointRuns(pool.run, { dir: join(init.outDir, 'sensitivity', 'cache'), codeFingerprint: await codeFingerprint() })
  try {
    const out = await runSensitivity({ ...init, run: cache.run, parallel: workers, onProgress: (f, label) => { bar.update(f, `sensitivity: ${label}`) } })
    await cache.pruneStale()
    const own = process.cpuUsage(cpu)
    return { ...out, cacheHits: cache.hits(), cpuS: (own.user + own.system) / 1e6 + pool.cpuS() }
  } finally {
    await pool.close()
  }
}

function runOptions (cmd: Command, defaultRepeat: string): Command {
  return cmd
    .option('--backend <sim|xen>', 'where to run: the simulated cluster or real Xen hosts', 'sim')
    .option('--platform <file>', 'simulated platform file, --backend sim (default: the paper\'s 13-host cluster)')
    .option('--testbed <file>', 'testbed file of the real lab, --backend xen: coordinators\' API, hosts, SSH, Hadoop (see examples/testbeds/lab.yaml)')
    .option('--seed <n>', 'seed of the first repetition (repetition r uses seed + r)', '1')
    .option('--repeat <k>', 'repetitions', defaultRepeat)
    .option('--fresh', 'start over instead of continuing from the journal of a run that stopped part way')
}

/** `xenos experiment list|run` and `xenos paper`. */
export function experimentCommands (program: Command, io: { out: (s: string) => void }): void {
  const exp = program.command('experiment').description('the paper\'s experiments, on the simulated cluster or real Xen hosts')
  exp.command('list').description('list the experiments').action(() => {
    for (const e of EXPERIMENTS) io.out(`${e.name.padEnd(16)} ${e.title}\n`)
  })
  runOptions(exp.command('run').description('run one experiment and write results.json, CSV, charts and a report')
    .argument('<name>', 'experiment name (see `xenos experiment list`)'), '1')
    .requiredOption('--out <dir>', 'output directory')
    .action(async (name: string, flags: RunFlags) => { await runAndReport([experimentByName(name)], flags) })
  runOptions(program.command('paper').description('reproduce the paper: every experiment, 3 repetitions by default, with charts and the findings checked'), '3')
    .option('--out <dir>', 'output directory', 'results/paper')
    .option('--no-sensitivity', 'skip the stage after the figures that moves each estimated input across its plausible range and judges every finding again'
    + ' (on the first seed, each point of an experiment that a finding looks up runs once on the base inputs, watched for the input values it reads,'
    + ' then again at each end of a range that changes one of them; the runs are kept in OUT/sensitivity/cache for the same code and inputs;'
    + ' on the paper platform about 1,600 runs and 250 to 450 s of CPU, nine tenths of it in the points X2 and C6 look up)')
    .option('--sensitivity-of <findings>', 'findings the sensitivity stage analyses, comma-separated, or "all"'
    + ` (default: ${defaultSensitivityFindings().join(', ')}: those whose experiments start no coordinators)`)
    .option('--workers <n>', 'worker processes of the sensitivity stage (default: one per core, at most 4)')
    .action(async (flags: RunFlags) => { await runAndReport(EXPERIMENTS, flags) })
  program.command('sensitivity')
    .description('which estimated inputs (platform and cost values marked as estimates, each with its plausible range) can flip a finding\'s verdict: '
      + 'each moved alone to both ends of its range, and the points of the finding\'s experiments that read a value it changes run again;'
      + ' writes sensitivity.json, a tornado chart per finding and a report')
    .argument('[findings...]', 'finding ids (C1 ... C11, X1, X2); every finding judged on the model when none')
    .requiredOption('--out <dir>', 'output directory')
    .option('--platform <file>', 'simulated platform file (default: the paper\'s 13-host cluster)')
    .option('--costs <file>', 'Hadoop cost file (default: the shipped Hadoop 0.20 costs)')
    .option('--inputs <paths>', 'only these estimates, comma-separated dotted paths (default: every estimate of both files)')
    .option('--seed <n>', 'seed of the first repetition (repetition r uses seed + r)', '1')
    .option('--repeat <k>', 'repetitions of each point', '1')
    .option('--workers <n>', 'worker processes (default: one per core, at most 4)')
    .action(async (ids: string[], flags: SensitivityFlags) => {
      const platformFile = flags.platform ?? PAPER_PLATFORM_FILE
      const seed = intFlag('seed', flags.seed, 0)
      const repetitions = intFlag('repeat', flags.repeat, 1)
      const workers = intFlag('workers', flags.workers ?? defaultWorkers(), 1)
      const p = await loadPlatform(platformFile)
      const sha256 = createHash('sha256').update(await readFile(platformFile)).digest('hex')
      const started = new Date()
      const { analysis, baseRuns, cacheHits, cpuS } = await sensitivityStage({
        findings: ids, platformFile, ...(flags.costs !== undefined ? { costsFile: flags.costs } : {}), seed, repetitions, outDir: flags.out,
        ...(flags.inputs !== undefined ? { inputs: flags.inputs.split(',').map(x => x.trim()).filter(x => x !== '') } : {})
      }, workers)
      const commit = await gitCommit()
      const software = { name: '@xenos/cli', version: version(), ...(commit !== undefined ? { gitCommit: commit } : {}) }
      await writeResultsAndReport(flags.out, {
        schemaVersion: RESULT_SCHEMA_VERSION, backend: 'sim', platform: { name: p.name, file: platformFile, sha256, assumptions: platformAssumptions(p) },
        software, startedAt: started.toISOString(), runs: baseRuns
      }, { sensitivity: analysis })
      for (const f of analysis.findings) io.out(`${f.id} (${f.fragile ? 'fragile' : 'robust'}): ${f.sentence}\n`)
      const wallS = ((Date.now() - started.getTime()) / 1000).toFixed(1)
      progress(process.stderr).done(`sensitivity of ${analysis.findings.map(f => f.id).join(', ')} in ${wallS} s of wall time and ${cpuS.toFixed(1)} s of CPU`
        + ` (${analysis.perturbedRuns} runs with an input moved, ${cacheHits} runs found in the cache); report: ${join(flags.out, 'report.html')}`)
    })
}

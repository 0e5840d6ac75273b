import type { Command } from 'commander'
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import {
  EXPERIMENTS, experimentByName, runExperiments, simTestbedFactory,
  platformAssumptions, writeResultsAndReport, loadXenTestbed, checkTestbedFor, checkPlatformFor, openRunJournal,
  runSensitivity, writeSensitivity
} from '@xenos/experiments'
import { RESULT_SCHEMA_VERSION, type Backend, type ExperimentDefinition, type PlatformInfo, type TestbedFactory } from '@xenos/experiment-interface'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { formatProgress } from '@xenos/deployer'
import { createHash } from 'node:crypto'
import { access, mkdir, readFile } from 'node:fs/promises'
import { version } from '../program.js'
import { progress } from './progress.js'
import { RunStoppedError, UsageError } from '../errors.js'

export { UsageError, RunStoppedError }

interface RunFlags { backend: string, platform?: string, testbed?: string, seed: string, repeat: string, out: string, fresh?: boolean, sensitivity?: boolean }

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
  if (flags.sensitivity === true) {
    if (backend !== 'sim') {
      throw new UsageError('--sensitivity: expected --backend sim (the estimates are the simulated platform\'s and the model\'s), found --backend xen')
    }
    const { findings } = await runSensitivity({
      findings: [], platformFile: platform.file, seed, repetitions, outDir: flags.out, baseRuns: resultSet.runs,
      onProgress: (f, label) => { bar.update(f, `sensitivity: ${label}`) }
    })
    await writeSensitivity(flags.out, { platformSha256: platform.sha256, findings })
  }
  const { resultsFile, report } = await writeResultsAndReport(flags.out, resultSet)
  await journal.remove()
  const wallS = ((Date.now() - started.getTime()) / 1000).toFixed(1)
  bar.done(`${resultSet.runs.length} runs in ${wallS} s of wall time; results: ${resultsFile};`
    + ` report: ${join(flags.out, 'report.html')} (${report.files.length} files)`)
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
    .option('--sensitivity', 'then move each estimated input across its plausible range and judge every finding again (slow: two runs per estimate)')
    .action(async (flags: RunFlags) => { await runAndReport(EXPERIMENTS, flags) })
  program.command('sensitivity')
    .description('which estimated inputs (platform and cost values marked as estimates, each with its plausible range) can flip a finding\'s verdict: '
      + 'each moved alone to both ends of its range, the finding\'s experiments run again; writes sensitivity.json, a tornado chart per finding and a report')
    .argument('[findings...]', 'finding ids (C1 ... C11, X1, X2); every finding judged on the model when none')
    .requiredOption('--out <dir>', 'output directory (a later `xenos paper --out` to the same directory includes the analysis in its report)')
    .option('--platform <file>', 'simulated platform file (default: the paper\'s 13-host cluster)')
    .option('--costs <file>', 'Hadoop cost file (default: the shipped Hadoop 0.20 costs)')
    .option('--seed <n>', 'seed of the first repetition (repetition r uses seed + r)', '1')
    .option('--repeat <k>', 'repetitions of each point', '1')
    .action(async (ids: string[], flags: { out: string, platform?: string, costs?: string, seed: string, repeat: string }) => {
      const platformFile = flags.platform ?? PAPER_PLATFORM_FILE
      const seed = intFlag('seed', flags.seed, 0)
      const repetitions = intFlag('repeat', flags.repeat, 1)
      const p = await loadPlatform(platformFile)
      const sha256 = createHash('sha256').update(await readFile(platformFile)).digest('hex')
      const bar = progress(process.stderr)
      const started = new Date()
      const { findings, baseRuns } = await runSensitivity({
        findings: ids, platformFile, ...(flags.costs !== undefined ? { costsFile: flags.costs } : {}), seed, repetitions, outDir: flags.out,
        onProgress: (f, label) => { bar.update(f, label) }
      })
      await writeSensitivity(flags.out, { platformSha256: sha256, findings })
      const commit = await gitCommit()
      const software = { name: '@xenos/cli', version: version(), ...(commit !== undefined ? { gitCommit: commit } : {}) }
      await writeResultsAndReport(flags.out, {
        schemaVersion: RESULT_SCHEMA_VERSION, backend: 'sim', platform: { name: p.name, file: platformFile, sha256 }, software,
        startedAt: started.toISOString(), runs: baseRuns
      })
      for (const f of findings) io.out(`${f.id}${f.fragile ? ' (fragile)' : ''}: ${f.sentence}\n`)
      const wallS = ((Date.now() - started.getTime()) / 1000).toFixed(1)
      bar.done(`sensitivity of ${findings.map(f => f.id).join(', ')} in ${wallS} s of wall time; report: ${join(flags.out, 'report.html')}`)
    })
}

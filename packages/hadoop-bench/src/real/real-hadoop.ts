/**
 * The real job runner: runs the benchmark jobs on an installed Hadoop
 * cluster through commands on its master (normally over SSH), times each
 * job's measured command on an injected clock, and reads Hadoop's own
 * counters from the output. Preparation (generating input files on the
 * master, loading them into HDFS, RandomWriter before Sort, removing old
 * output) is done first and not timed, as in the paper.
 *
 * @example
 * ```ts
 * import { realClock } from '@xenos/hypervisor-interface'
 * const runner = sshRunner({ host: 'node00', user: 'hadoop', keyFile: '/home/me/.ssh/id_ed25519' })
 * const hadoop = new RealHadoop({ hadoopHome: '/opt/hadoop-0.20.2', line: '1' }, { runner, clock: realClock() })
 * const r = await hadoop.run({ kind: 'wordcount', inputBytes: 1024 ** 3 })
 * console.log(r.durationS, r.counters.mapsLaunched, r.counters.tasksReexecuted)
 * ```
 */
import type { Clock } from '@xenos/hypervisor-interface'
import { emptyCounters, validateJob, type JobResult, type JobSpec } from '../jobs.js'
import type { CommandResult, CommandRunner } from './command-runner.js'
import {
  assertPlainPath, exampleCommands, findExamplesJarCommand, fsCommands, localMkdirCommand, localRemoveCommand,
  localSizeCommand, randomFileCommand, textFileCommand, type HadoopInstall
} from './commands.js'
import { toJobCounters } from './counters.js'
import { HadoopCheckError, HadoopJobError, HadoopOutputParseError, InvalidRunnerOptionError, tailLines } from './errors.js'
import { jobFailureReason, parseJobOutput } from './job-output.js'

export interface RealHadoopInit extends HadoopInstall {
  /** Absolute path of the examples jar; found under `hadoopHome` when not given. */
  examplesJar?: string
  /** Directory on the master for generated input files. @default '/tmp/xenos-bench' */
  localWorkDir?: string
  /** HDFS directory for inputs and outputs. @default '/xenos-bench' */
  hdfsWorkDir?: string
  /** Content of generated files for HDFS put/get and Wordcount. @default 'text' */
  inputData?: 'text' | 'random'
  /** Seed of the text generator. @default 1 */
  textSeed?: number
  /** RandomWriter bytes per map (Hadoop's default is 1 GiB, one map per GiB). @default 268435456 */
  randomWriterBytesPerMap?: number
}

export interface RealHadoopComponents {
  runner: CommandRunner
  /** Real time (e.g. `realClock()`); durations are measured on it. */
  clock: Clock
}

export interface RealRunOptions {
  /**
   * Called when the measured command starts, after the untimed preparation,
   * with the clock's time then (e.g. to migrate the master part way through
   * the job itself, not its preparation).
   */
  onTimedStart?: (atS: number) => void
}

export class RealHadoop {
  private jar: string | undefined
  private readonly localDir: string
  private readonly hdfsDir: string

  constructor (private readonly init: RealHadoopInit, private readonly components: RealHadoopComponents) {
    assertPlainPath(init.hadoopHome, 'hadoopHome')
    if (init.line !== '1' && init.line !== '2+') throw new InvalidRunnerOptionError('line', '"1" or "2+"', init.line)
    if (init.examplesJar !== undefined) this.jar = assertPlainPath(init.examplesJar, 'examplesJar')
    this.localDir = assertPlainPath(init.localWorkDir ?? '/tmp/xenos-bench', 'localWorkDir')
    this.hdfsDir = assertPlainPath(init.hdfsWorkDir ?? '/xenos-bench', 'hdfsWorkDir')
    const perMap = init.randomWriterBytesPerMap ?? 256 * 1024 * 1024
    if (!Number.isSafeInteger(perMap) || perMap <= 0) throw new InvalidRunnerOptionError('randomWriterBytesPerMap', 'a positive integer', perMap)
  }

  /** Runs one benchmark job (its untimed preparation first) and reports it. */
  async run (spec: JobSpec, options: RealRunOptions = {}): Promise<JobResult> {
    const job = validateJob(spec)
    await this.mustSucceed(localMkdirCommand(this.localDir))
    switch (job.kind) {
      case 'hdfs-put': {
        const local = await this.localInput(job.sizeBytes)
        const dest = `${this.hdfsDir}/put-${job.sizeBytes}`
        await this.removeHdfs(dest)
        await this.ensureHdfsDir(this.hdfsDir)
        const durationS = await this.timed(fsCommands.put(this.init, local, dest), options)
        const { lengthBytes, replication } = await this.stat(dest)
        if (lengthBytes !== job.sizeBytes) throw new HadoopCheckError(`${dest} after the put`, `${job.sizeBytes} bytes`, `${lengthBytes} bytes`)
        return { job, durationS, counters: { ...emptyCounters(), hdfsBytesWritten: lengthBytes * replication } }
      }
      case 'hdfs-get': {
        const { file } = await this.hdfsInput(job.sizeBytes)
        const local = `${this.localDir}/get-${job.sizeBytes}.out`
        await this.mustSucceed(localRemoveCommand(local))
        const durationS = await this.timed(fsCommands.get(this.init, file, local), options)
        const got = await this.localSize(local)
        if (got !== job.sizeBytes) {
          throw new HadoopCheckError(`${local} after the get`, `${job.sizeBytes} bytes`, got === undefined ? 'no file' : `${got} bytes`)
        }
        return { job, durationS, counters: { ...emptyCounters(), hdfsBytesRead: got } }
      }
      case 'wordcount': {
        const input = (await this.hdfsInput(job.inputBytes)).dir
        const output = `${this.hdfsDir}/wordcount-out`
        await this.removeHdfs(output)
        return await this.mapReduce(job, exampleCommands.wordcount(this.init, await this.examplesJar(), input, output), options)
      }
      case 'randomwriter': {
        const output = `${this.hdfsDir}/randomwriter-out`
        await this.removeHdfs(output)
        return await this.mapReduce(job, exampleCommands.randomwriter(this.init, await this.examplesJar(), output, job.sizeBytes, this.bytesPerMap()), options)
      }
      case 'sort': {
        const jar = await this.examplesJar()
        const input = `${this.hdfsDir}/sort-in`
        const output = `${this.hdfsDir}/sort-out`
        await this.removeHdfs(input)
        await this.removeHdfs(output)
        await this.mustSucceed(exampleCommands.randomwriter(this.init, jar, input, job.inputBytes, this.bytesPerMap()))
        return await this.mapReduce(job, exampleCommands.sort(this.init, jar, input, output), options)
      }
      case 'pi':
        return await this.mapReduce(job, exampleCommands.pi(this.init, await this.examplesJar(), job.maps, job.samplesPerMap), options)
    }
  }

  /** The examples jar: the configured one, or the single match under the Hadoop home. */
  async examplesJar (): Promise<string> {
    if (this.jar !== undefined) return this.jar
    const cmd = findExamplesJarCommand(this.init)
    const r = await this.mustSucceed(cmd)
    const found = r.stdout.split('\n').map(s => s.trim()).filter(s => s !== '')
    if (found.length !== 1) throw new InvalidRunnerOptionError('examplesJar', `exactly one examples jar under ${this.init.hadoopHome} (set examplesJar)`, found)
    this.jar = assertPlainPath(found[0]!, 'examplesJar')
    return this.jar
  }

  private bytesPerMap (): number {
    return this.init.randomWriterBytesPerMap ?? 256 * 1024 * 1024
  }

  private async mapReduce (job: JobSpec, argv: string[], options: RealRunOptions): Promise<JobResult> {
    const t0 = this.components.clock.nowS()
    options.onTimedStart?.(t0)
    const r = await this.components.runner.run(argv)
    const durationS = this.components.clock.nowS() - t0
    const output = combined(r)
    this.throwIfFailed(argv, r)
    const parsed = parseJobOutput(output)
    if (job.kind === 'pi' && parsed.piEstimate === undefined) {
      throw new HadoopOutputParseError(0, '', '"Estimated value of Pi is ..." from PiEstimator', 'no estimate')
    }
    return {
      job,
      durationS,
      counters: toJobCounters(parsed.counters),
      ...(parsed.clientReportedDurationS !== undefined ? { clientReportedDurationS: parsed.clientReportedDurationS } : {}),
      ...(job.kind === 'pi' ? { piEstimate: parsed.piEstimate } : {})
    }
  }

  private async timed (argv: string[], options: RealRunOptions): Promise<number> {
    const t0 = this.components.clock.nowS()
    options.onTimedStart?.(t0)
    const r = await this.components.runner.run(argv)
    const durationS = this.components.clock.nowS() - t0
    this.throwIfFailed(argv, r)
    return durationS
  }

  private throwIfFailed (argv: readonly string[], r: CommandResult): void {
    const output = combined(r)
    const reason = jobFailureReason(output)
    if (r.exitCode !== 0) throw new HadoopJobError(argv, reason ?? 'expected exit code 0', r.exitCode, tailLines(output))
    if (reason !== undefined) throw new HadoopJobError(argv, reason, r.exitCode, tailLines(output))
  }

  private async mustSucceed (argv: string[]): Promise<CommandResult> {
    const r = await this.components.runner.run(argv)
    this.throwIfFailed(argv, r)
    return r
  }

  private async removeHdfs (path: string): Promise<void> {
    const r = await this.components.runner.run(fsCommands.exists(this.init, path))
    if (r.exitCode === 0) await this.mustSucceed(fsCommands.remove(this.init, path))
  }

  /** `-mkdir` on an existing directory fails in some 1.x releases (and in 2+ without `-p`): make it only when missing. */
  private async ensureHdfsDir (path: string): Promise<void> {
    const r = await this.components.runner.run(fsCommands.exists(this.init, path))
    if (r.exitCode !== 0) await this.mustSucceed(fsCommands.mkdir(this.init, path))
  }

  private async stat (path: string): Promise<{ lengthBytes: number, replication: number }> {
    const argv = fsCommands.stat(this.init, path)
    const r = await this.mustSucceed(argv)
    const lines = r.stdout.split('\n').map(l => l.trim()).filter(l => l !== '')
    const last = lines.at(-1) ?? ''
    const m = /^(\d+) (\d+)$/.exec(last)
    if (m === null) throw new HadoopOutputParseError(lines.length, last, `"<length> <replication>" from ${argv.join(' ')}`, JSON.stringify(last))
    return { lengthBytes: Number(m[1]), replication: Number(m[2]) }
  }

  private async localSize (path: string): Promise<number | undefined> {
    const r = await this.mustSucceed(localSizeCommand(path))
    const text = r.stdout.trim()
    if (text === '') return undefined
    if (!/^\d+$/.test(text)) throw new HadoopOutputParseError(1, text, `a byte count from wc -c for ${path}`, JSON.stringify(text))
    return Number(text)
  }

  /** The generated input file of `sizeBytes` on the master (kept between runs; made when missing or of another size). */
  private async localInput (sizeBytes: number): Promise<string> {
    const kind = this.init.inputData ?? 'text'
    const path = `${this.localDir}/input-${kind}-${sizeBytes}`
    if (await this.localSize(path) !== sizeBytes) {
      await this.mustSucceed(kind === 'text' ? textFileCommand(path, sizeBytes, this.init.textSeed ?? 1) : randomFileCommand(path, sizeBytes))
      const made = await this.localSize(path)
      if (made !== sizeBytes) throw new HadoopCheckError(`generated input ${path}`, `${sizeBytes} bytes`, made === undefined ? 'no file' : `${made} bytes`)
    }
    return path
  }

  /** The input in HDFS, a directory holding one file (loaded from the local file when missing or of another size). */
  private async hdfsInput (sizeBytes: number): Promise<{ dir: string, file: string }> {
    const dir = `${this.hdfsDir}/input-${sizeBytes}`
    const file = `${dir}/part-0`
    const exists = (await this.components.runner.run(fsCommands.exists(this.init, file))).exitCode === 0
    if (exists && (await this.stat(file)).lengthBytes === sizeBytes) return { dir, file }
    await this.removeHdfs(dir)
    await this.mustSucceed(fsCommands.mkdir(this.init, dir))
    await this.mustSucceed(fsCommands.put(this.init, await this.localInput(sizeBytes), file))
    return { dir, file }
  }
}

function combined (r: CommandResult): string {
  if (r.stderr === '') return r.stdout
  if (r.stdout === '') return r.stderr
  return `${r.stdout.replace(/\n?$/, '\n')}${r.stderr}`
}

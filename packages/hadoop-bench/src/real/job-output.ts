/**
 * Parses what `hadoop jar ... <example>` prints: the job id, completion, the
 * counters block, and PiEstimator's estimate. Two client formats, both
 * checked against Hadoop's source and real transcripts
 * (test/transcripts/README.md):
 *
 * - Hadoop 1.x `mapred.JobClient` (JobClient.monitorAndPrintJob and
 *   Counters.log): every line is a log line, groups indented 2 spaces,
 *   counters 4 spaces:
 *   `10/05/08 17:43:28 INFO mapred.JobClient:     Launched map tasks=3`
 * - Hadoop 2/3 `mapreduce.Job` (Job.monitorAndPrintJob and
 *   AbstractCounters.toString): one log line `Counters: N`, then raw lines,
 *   groups after one tab, counters after two:
 *   `\t\tLaunched map tasks=3`
 *
 * Strictness: the counters block must hold exactly the `Counters: N` it
 * announces, every line in it must be a group or a `name=integer` counter,
 * and the job must have one id and a completion line. Anything else is a
 * `HadoopOutputParseError` naming the line: a truncated or unknown output
 * never turns into numbers.
 */
import { HadoopOutputParseError } from './errors.js'

export type ClientFormat = 'jobclient' | 'yarn'

/** Counter values by group display name, then counter display name (both trimmed). */
export type CounterGroups = Map<string, Map<string, number>>

export interface ParsedJobOutput {
  /** `jobclient` (Hadoop 1.x) or `yarn` (Hadoop 2/3 `mapreduce.Job`). */
  format: ClientFormat
  jobId: string
  counters: CounterGroups
  /** The last ` map N% reduce M%` report. */
  lastProgress?: { mapPercent: number, reducePercent: number }
  /** PiEstimator: `Estimated value of Pi is ...`. */
  piEstimate?: number
  /** Examples' own timing line (`Job Finished in X seconds`, `The job took X seconds.`). */
  clientReportedDurationS?: number
}

const LOG_RE = /^(\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:,\d{3})?) (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) ([\w.$-]+): (.*)$/
const CLIENT_LOGGERS: Record<string, ClientFormat> = { 'mapred.JobClient': 'jobclient', 'mapreduce.Job': 'yarn' }
const COUNTER_RE = /^(.*\S)\s*=(-?\d+)$/

interface LogLine { logger: string, message: string }

function logLine (text: string): LogLine | undefined {
  const m = LOG_RE.exec(text)
  return m === null ? undefined : { logger: m[3]!, message: m[4]! }
}

function counterValue (raw: string, lineNo: number, text: string): number {
  const v = Number(raw)
  if (!Number.isSafeInteger(v)) throw new HadoopOutputParseError(lineNo, text, 'a counter value that is a safe integer', raw)
  return v
}

class CounterCollector {
  readonly groups: CounterGroups = new Map()
  private group: Map<string, number> | undefined
  count = 0

  addGroup (name: string): void {
    const g = this.groups.get(name) ?? new Map<string, number>()
    this.groups.set(name, g)
    this.group = g
  }

  addCounter (name: string, value: number, lineNo: number, text: string): void {
    if (this.group === undefined) throw new HadoopOutputParseError(lineNo, text, 'a counter group before the first counter', 'a counter')
    if (this.group.has(name)) throw new HadoopOutputParseError(lineNo, text, 'each counter once per group', `"${name}" again`)
    this.group.set(name, value)
    this.count++
  }
}

/**
 * Parses a job's combined output (stdout then stderr, or interleaved).
 * Throws `HadoopOutputParseError` when the output is not a complete,
 * well-formed successful job of one of the two formats.
 */
export function parseJobOutput (output: string): ParsedJobOutput {
  const lines = output.split('\n').map(l => l.replace(/\r$/, ''))
  let format: ClientFormat | undefined
  let jobId: string | undefined
  let completedId: string | undefined
  let collector: CounterCollector | undefined
  let declared = 0
  let declaredAt = 0
  let lastProgress: ParsedJobOutput['lastProgress']
  let piEstimate: number | undefined
  let clientDurationS: number | undefined

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!
    const lineNo = i + 1
    const pi = /^Estimated value of Pi is (\S+)\s*$/.exec(text)
    if (pi !== null) {
      const v = Number(pi[1])
      if (!Number.isFinite(v)) throw new HadoopOutputParseError(lineNo, text, 'a number after "Estimated value of Pi is"', pi[1]!)
      piEstimate = v
      continue
    }
    const took = /^(?:Job Finished in|The job took) (\S+) seconds\.?\s*$/.exec(text)
    if (took !== null) {
      const v = Number(took[1])
      if (!Number.isFinite(v) || v < 0) throw new HadoopOutputParseError(lineNo, text, 'a duration in seconds', took[1]!)
      clientDurationS = v
      continue
    }
    const log = logLine(text)
    if (log === undefined) continue
    const lineFormat = CLIENT_LOGGERS[log.logger]
    if (lineFormat === undefined) continue
    if (format === undefined) format = lineFormat
    else if (format !== lineFormat) throw new HadoopOutputParseError(lineNo, text, `only ${format} client lines`, `a ${lineFormat} line`)
    const msg = log.message

    const running = /^Running job: (job_\w+)$/.exec(msg)
    if (running !== null) {
      if (jobId !== undefined && jobId !== running[1]) throw new HadoopOutputParseError(lineNo, text, `one job (${jobId})`, `a second job ${running[1]!}`)
      jobId = running[1]!
      continue
    }
    const progress = /^ map (\d{1,3})% reduce (\d{1,3})%$/.exec(msg)
    if (progress !== null) {
      lastProgress = { mapPercent: Number(progress[1]), reducePercent: Number(progress[2]) }
      continue
    }
    const done = format === 'jobclient' ? /^Job complete: (job_\w+)$/.exec(msg) : /^Job (job_\w+) completed successfully$/.exec(msg)
    if (done !== null) {
      if (jobId !== undefined && done[1] !== jobId) throw new HadoopOutputParseError(lineNo, text, `completion of ${jobId}`, `completion of ${done[1]!}`)
      completedId = done[1]!
      continue
    }
    const counters = /^Counters: (\d+)$/.exec(msg)
    if (counters !== null) {
      if (collector !== undefined) throw new HadoopOutputParseError(lineNo, text, 'one counters block', 'a second "Counters:" line')
      collector = new CounterCollector()
      declared = Number(counters[1])
      declaredAt = lineNo
      i = format === 'jobclient' ? readJobClientCounters(lines, i + 1, collector) - 1 : readYarnCounters(lines, i + 1, collector) - 1
      continue
    }
  }

  if (format === undefined) throw new HadoopOutputParseError(0, '', 'mapred.JobClient or mapreduce.Job log lines', 'none')
  if (jobId === undefined) throw new HadoopOutputParseError(0, '', '"Running job: job_..."', 'no job id')
  if (completedId === undefined) {
    throw new HadoopOutputParseError(0, '', format === 'jobclient' ? `"Job complete: ${jobId}"` : `"Job ${jobId} completed successfully"`, 'no completion line')
  }
  if (collector === undefined) throw new HadoopOutputParseError(0, '', 'a "Counters: N" block', 'none')
  if (collector.count !== declared) {
    throw new HadoopOutputParseError(declaredAt, lines[declaredAt - 1]!,
      `${declared} counters after it`, `${collector.count} (truncated or unknown counter lines)`)
  }
  return {
    format,
    jobId,
    counters: collector.groups,
    ...(lastProgress !== undefined ? { lastProgress } : {}),
    ...(piEstimate !== undefined ? { piEstimate } : {}),
    ...(clientDurationS !== undefined ? { clientReportedDurationS: clientDurationS } : {})
  }
}

/** Hadoop 1 Counters.log: `  Group` and `    name=value`, each a JobClient log line. Returns the index after the block. */
function readJobClientCounters (lines: string[], start: number, c: CounterCollector): number {
  let i = start
  for (; i < lines.length; i++) {
    const text = lines[i]!
    const log = logLine(text)
    if (log === undefined) break
    if (log.logger !== 'mapred.JobClient') continue // another thread's line inside the block
    const counter = /^ {4}(\S.*)$/.exec(log.message)
    if (counter !== null) {
      const m = COUNTER_RE.exec(counter[1]!)
      if (m === null) throw new HadoopOutputParseError(i + 1, text, 'a counter "name=integer"', JSON.stringify(counter[1]))
      c.addCounter(m[1]!.trim(), counterValue(m[2]!, i + 1, text), i + 1, text)
      continue
    }
    const group = /^ {2}(\S.*)$/.exec(log.message)
    if (group !== null) { c.addGroup(group[1]!.trim()); continue }
    break
  }
  return i
}

/** Hadoop 2/3 Counters.toString: `\tGroup` and `\t\tname=value` raw lines. Returns the index after the block. */
function readYarnCounters (lines: string[], start: number, c: CounterCollector): number {
  let i = start
  for (; i < lines.length; i++) {
    const text = lines[i]!
    if (text.startsWith('\t\t')) {
      const m = COUNTER_RE.exec(text.slice(2))
      if (m === null) throw new HadoopOutputParseError(i + 1, text, 'a counter "name=integer"', JSON.stringify(text.slice(2)))
      c.addCounter(m[1]!.trim(), counterValue(m[2]!, i + 1, text), i + 1, text)
      continue
    }
    if (text.startsWith('\t')) {
      if (/^\t\s*$/.test(text)) throw new HadoopOutputParseError(i + 1, text, 'a counter group name', 'an empty line')
      c.addGroup(text.slice(1).trim())
      continue
    }
    break
  }
  return i
}

/**
 * Why the output says the job failed, or undefined. A job whose tasks failed
 * and were re-executed, then completed, is not failed (the paper's master
 * migration does exactly that), so exception traces of task attempts alone
 * do not count; the client's own failure lines and uncaught exceptions do.
 */
export function jobFailureReason (output: string): string | undefined {
  // Between "Running job" and the job's end the client prints task attempts'
  // diagnostics, which may hold a child JVM's own "Exception in thread "main"":
  // those are tasks failing (and re-executed), not the client.
  let jobRunning = false
  for (const raw of output.split('\n')) {
    const text = raw.replace(/\r$/, '')
    const log = logLine(text)
    const msg = log?.message ?? text
    let m = /^Job (job_\w+) failed with state (\w+) due to: (.*)$/.exec(msg)
    if (m !== null) return `job ${m[1]!} ended in state ${m[2]!}: ${m[3]!}`
    m = /^Job Failed: (.*)$/.exec(msg)
    if (m !== null) return `job failed: ${m[1]!}`
    if (/\bjava\.io\.IOException: Job failed!/.test(text)) return `uncaught exception in the client: ${text.trim()}`
    if (log !== undefined && CLIENT_LOGGERS[log.logger] !== undefined) {
      if (/^Running job: /.test(msg)) jobRunning = true
      else if (/^Job complete: |^Job job_\w+ completed successfully$/.test(msg)) jobRunning = false
      continue
    }
    if (!jobRunning && /^Exception in thread "main" /.test(text)) return `uncaught exception in the client: ${text.trim()}`
  }
  return undefined
}

/**
 * A journal of a long run, so that nothing finished is lost when the run
 * stops part way (a crash, a kill, a lab host that goes down): each step
 * (one experiment for one repetition, on its own testbed) is appended to
 * `journal.jsonl` as soon as it has finished, flushed to disk; the same
 * command run again takes the finished steps from the journal and runs only
 * the others. Steps are independent (each has a testbed of its own, made
 * from its seed), so a resumed run gives the same results as one that never
 * stopped.
 *
 * The first line identifies the run (backend, platform and its hash, the
 * experiments in order, the first seed, the repetitions, the software): a
 * journal of another run is never mixed in. A torn last line (the process
 * died while writing it) is ignored: that step simply runs again.
 *
 * @example
 * ```ts
 * const journal = await openRunJournal('results/paper', identity)
 * const rs = await runExperiments(defs, { ...options, journal })
 * await journal.remove() // the results file is written: the journal is no longer needed
 * ```
 */
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import type { RunRecord } from '@xenos/experiment-interface'
import { ExperimentsError } from './errors.js'

export const JOURNAL_FILE = 'journal.jsonl'
const JOURNAL_VERSION = 1

/** What makes two runs the same run. */
export interface RunIdentity {
  backend: string
  platform: { name: string, sha256: string }
  experiments: string[]
  seed: number
  repetitions: number
  software: { name: string, version: string, gitCommit?: string }
}

/** One finished step: an experiment on one repetition. */
export interface JournalStep {
  experiment: string
  repetition: number
  seed: number
  runs: RunRecord[]
}

export interface RunJournal {
  readonly file: string
  /** Steps found in the journal when it was opened (a resumed run). */
  readonly resumedSteps: number
  /** A finished step's records, or undefined when the step has to run. */
  get (experiment: string, repetition: number): RunRecord[] | undefined
  /** Record a finished step; returns once it is on disk. */
  put (step: JournalStep): Promise<void>
  close (): Promise<void>
  /** Close and delete the journal (the run's results are written). */
  remove (): Promise<void>
}

/** The run journal cannot be read, written, or belongs to another run. */
export class RunJournalError extends ExperimentsError {}

export interface OpenRunJournalOptions {
  /** Start over: a journal already in `dir` is moved aside to `journal.jsonl.old`. */
  fresh?: boolean
  /** Told why an existing journal was not used. */
  onDiscard?: (reason: string) => void
}

const stepKey = (experiment: string, repetition: number): string => `${experiment}\u0000${repetition}`

/** Opens (or creates) the journal of the run `identity` in `dir`. */
export async function openRunJournal (dir: string, identity: RunIdentity, options: OpenRunJournalOptions = {}): Promise<RunJournal> {
  const file = join(dir, JOURNAL_FILE)
  const steps = new Map<string, RunRecord[]>()
  let existing: string | undefined
  try {
    existing = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RunJournalError(`cannot read the run journal ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  let discard: string | undefined
  if (existing !== undefined) {
    if (options.fresh === true) discard = 'asked to start over'
    else {
      const parsed = parseJournal(existing, file)
      const differs = differences(parsed.identity, identity)
      if (parsed.identity === undefined) discard = 'its first line is not a journal header'
      else if (differs.length > 0) discard = `it is of another run (differs in ${differs.join(', ')})`
      else for (const s of parsed.steps) steps.set(stepKey(s.experiment, s.repetition), s.runs)
    }
  }
  let handle: FileHandle
  if (existing === undefined || discard !== undefined) {
    if (existing !== undefined) {
      await rename(file, `${file}.old`)
      options.onDiscard?.(`${file}: ${discard ?? ''}; kept as ${file}.old, starting over`)
    }
    handle = await open(file, 'w')
    await handle.write(`${JSON.stringify({ journal: JOURNAL_VERSION, identity })}\n`)
    await handle.datasync()
  } else {
    // rewrite it without a torn last line, then append
    const kept = [JSON.stringify({ journal: JOURNAL_VERSION, identity }), ...[...steps].map(([key, runs]) => {
      const [experiment, repetition] = key.split('\u0000') as [string, string]
      return JSON.stringify({ experiment, repetition: Number(repetition), seed: identity.seed + Number(repetition), runs })
    })]
    const tmp = `${file}.tmp-${process.pid}`
    const h = await open(tmp, 'w')
    await h.write(kept.map(l => `${l}\n`).join(''))
    await h.datasync()
    await h.close()
    await rename(tmp, file)
    handle = await open(file, 'a')
  }
  const resumedSteps = steps.size
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await handle.close()
  }
  return {
    file,
    resumedSteps,
    get: (experiment, repetition) => steps.get(stepKey(experiment, repetition)),
    async put (step) {
      if (closed) throw new RunJournalError(`the run journal ${file} is closed`)
      steps.set(stepKey(step.experiment, step.repetition), step.runs)
      await handle.write(`${JSON.stringify(step)}\n`)
      await handle.datasync()
    },
    close,
    async remove () {
      await close()
      await rm(file, { force: true })
    }
  }
}

function parseJournal (text: string, file: string): { identity: RunIdentity | undefined, steps: JournalStep[] } {
  // the element after the last newline is empty, or a torn line (the process died writing it): dropped either way
  const complete = text.split('\n').slice(0, -1)
  let identity: RunIdentity | undefined
  const steps: JournalStep[] = []
  for (const [i, line] of complete.entries()) {
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      throw new RunJournalError(`${file}:${i + 1}: expected one JSON object per line, found ${JSON.stringify(line.slice(0, 80))}`, { cause: err })
    }
    const v = value as Record<string, unknown>
    if (i === 0) {
      if (v['journal'] === JOURNAL_VERSION && typeof v['identity'] === 'object') identity = v['identity'] as RunIdentity
      continue
    }
    if (typeof v['experiment'] !== 'string' || !Number.isInteger(v['repetition']) || !Number.isInteger(v['seed']) || !Array.isArray(v['runs'])) {
      throw new RunJournalError(`${file}:${i + 1}: expected a step { experiment, repetition, seed, runs }, found ${JSON.stringify(line.slice(0, 80))}`)
    }
    steps.push(v as unknown as JournalStep)
  }
  return { identity, steps }
}

function differences (found: RunIdentity | undefined, wanted: RunIdentity): string[] {
  if (found === undefined) return ['everything']
  return (Object.keys(wanted) as Array<keyof RunIdentity>).filter(k => !isDeepStrictEqual(found[k], wanted[k]))
}

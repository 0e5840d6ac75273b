/**
 * The sensitivity of the findings to the model's estimated inputs, one at a
 * time: every value the platform file and the Hadoop cost file mark as an
 * estimate (their `estimates` blocks, each with the range its source
 * allows) is moved alone to the low and to the high end of its range; the
 * experiments a finding reads that the input can reach are run again on the
 * analysis' seeds and the finding judged again. A verdict that flips anywhere
 * in an estimate's range is fragile, whichever way it falls.
 *
 * The margins reported are the report's: each end's margin is the report's
 * margin (over all its repetitions) moved by the change that end made on the
 * analysis' seeds against the base inputs on the same seeds (common random
 * numbers: the same seed draws the same task spread and disk placement), so
 * one repetition per point is enough to see what an input does, and with as
 * many seeds as the report's repetitions the margins are exact.
 *
 * The modified files are written under `<outDir>/sensitivity/inputs/`, so
 * each point can be run again by hand (`xenos experiment run ... --platform`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { readEstimates, withValueAt, type EstimatedInput } from '@xenos/config-file'
import type { RunRecord, SensitivityAnalysis } from '@xenos/experiment-interface'
import { DEFAULT_COSTS_FILE } from '@xenos/hadoop-bench'
import { FINDINGS, judgeFinding, UnknownFindingError, type FindingInfo } from '../findings.js'
import { analyseFinding, formatNumber, type InputMargins } from './analyse.js'
import { SensitivityError } from './errors.js'
import { inputName, inputReaches, planPoints, type SensitivityPoint } from './plan.js'
import { runPointHere, type PointJob, type PointRunner } from './point-runs.js'

export interface SensitivityInit {
  /** Findings to analyse (`C6`, ...); every finding judged on the model when empty. */
  findings: readonly string[]
  /**
   * Why the findings judged on the model that were not asked for are left
   * out, said of each in the analysis (and the report); when absent, they are
   * not listed. Findings judged on the wall clock are always listed, with why.
   */
  leftOutBecause?: string
  platformFile: string
  /** @default the shipped Hadoop 0.20 costs */
  costsFile?: string
  /** Estimates to move (their dotted paths, or `file#path`); every estimate of both files when absent. */
  inputs?: readonly string[]
  /** Seed of the analysis' first repetition (repetition r uses seed + r), as the paper's runs. */
  seed: number
  /** Repetitions of each point (the report's margins are moved by what each end changes on these seeds). */
  repetitions: number
  /** The modified input files go to `<outDir>/sensitivity/inputs/`. */
  outDir: string
  /**
   * The report's runs on the base inputs (any number of repetitions, the first
   * on `seed`): the findings' margins are theirs, and their runs on the
   * analysis' seeds are the base the ends are compared with. Made here when absent.
   */
  baseRuns?: readonly RunRecord[]
  /** Makes one run. @default in this process, one at a time */
  run?: PointRunner
  /** Runs in flight at once (give the worker pool's size with its runner). @default 1 */
  parallel?: number
  onProgress?: (fraction: number, label: string) => void
}

const WALL_CLOCK = 'not applicable: judged on wall-clock measurements of the control plane, which no estimated input of the model can move'

/**
 * Experiments that start a real coordinator on every simulated host (the
 * control plane is real, the hardware simulated): a run of one costs many
 * times a run of the simulated Hadoop alone.
 */
export const CONTROL_PLANE_EXPERIMENTS: readonly string[] = ['deploy', 'master-migration']

/** The findings `xenos paper` analyses by default: those judged on the model whose experiments run no coordinators. */
export function defaultSensitivityFindings (): string[] {
  return FINDINGS.filter(f => f.modelOutput && !f.needs.some(e => CONTROL_PLANE_EXPERIMENTS.includes(e))).map(f => f.id)
}

/** Experiments that take longest go first, so that parallel runs end together. */
const SLOW_FIRST = ['deploy', 'master-migration', 'hdfs-outside-vms', 'sort']
const slowness = (experiment: string): number => {
  const i = SLOW_FIRST.indexOf(experiment)
  return i < 0 ? SLOW_FIRST.length : i
}

function wantedFindings (ids: readonly string[]): FindingInfo[] {
  if (ids.length === 0) return FINDINGS.filter(f => f.modelOutput)
  return ids.map((id) => {
    const f = FINDINGS.find(x => x.id === id)
    if (f === undefined) throw new UnknownFindingError(id)
    if (!f.modelOutput) throw new SensitivityError(`finding ${id}: expected a finding judged on the model's outputs, found one ${WALL_CLOCK}`)
    return f
  })
}

function chosenInputs (all: readonly EstimatedInput[], names: readonly string[] | undefined): EstimatedInput[] {
  if (names === undefined) return [...all]
  for (const n of names) {
    if (!all.some(i => i.path === n || inputName(i) === n)) {
      throw new SensitivityError(`input: expected an estimate of the platform or cost file (one of ${all.map(i => i.path).join(', ')}), found "${n}"`)
    }
  }
  return all.filter(i => names.includes(i.path) || names.includes(inputName(i)))
}

/** Runs `jobs` through `run`, at most `parallel` at once; results in the jobs' order. */
async function runAll (jobs: readonly PointJob[], run: PointRunner, parallel: number, onDone: (job: PointJob) => void): Promise<RunRecord[][]> {
  const out: RunRecord[][] = new Array<RunRecord[]>(jobs.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await run(jobs[i]!)
      onDone(jobs[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane))
  return out
}

/** Runs the sensitivity analysis; returns it, with the base runs on its seeds. */
export async function runSensitivity (init: SensitivityInit): Promise<{ analysis: SensitivityAnalysis, baseRuns: RunRecord[] }> {
  const costsFile = init.costsFile ?? DEFAULT_COSTS_FILE
  const wanted = wantedFindings(init.findings)
  const notAnalysed = FINDINGS.filter(f => !wanted.includes(f) && (!f.modelOutput || init.leftOutBecause !== undefined))
    .map(f => ({ id: f.id, why: f.modelOutput ? init.leftOutBecause! : WALL_CLOCK }))
  if (!Number.isInteger(init.repetitions) || init.repetitions < 1) {
    throw new SensitivityError(`repetitions: expected an integer >= 1, found ${init.repetitions}`)
  }
  const parallel = init.parallel ?? 1
  if (!Number.isInteger(parallel) || parallel < 1) throw new SensitivityError(`parallel: expected an integer >= 1, found ${parallel}`)
  const run = init.run ?? runPointHere
  const seeds = Array.from({ length: init.repetitions }, (_, r) => init.seed + r)
  const texts = new Map<string, string>([[init.platformFile, await readFile(init.platformFile, 'utf8')], [costsFile, await readFile(costsFile, 'utf8')]])
  const inputs = chosenInputs([...texts].flatMap(([file, text]) => readEstimates(text, file)), init.inputs)
  const needed = [...new Set(wanted.flatMap(f => f.needs))]
  const points = planPoints(inputs, costsFile, needed)

  // The base on the analysis' seeds: the report's runs when they cover them, else made here.
  const given = init.baseRuns?.filter(r => seeds.includes(r.seed)) ?? []
  const baseMissing = needed.filter(e => !seeds.every(s => given.some(r => r.experiment === e && r.seed === s)))
  const job = (experiment: string, platformFile: string, costs: string): PointJob =>
    ({ experiment, platformFile, costsFile: costs, seed: init.seed, repetitions: init.repetitions })
  const inputsDir = join(init.outDir, 'sensitivity', 'inputs')
  await mkdir(inputsDir, { recursive: true })
  const pointJobs: Array<{ point: SensitivityPoint, job: PointJob }> = []
  for (const point of points) {
    if (point.experiments.length === 0) continue
    const file = join(inputsDir, `${basename(point.input.file).replace(/\.[^.]+$/, '')}.${point.input.path}.${point.end}.yaml`)
    await writeFile(file, withValueAt(texts.get(point.input.file)!, point.input.file, point.input.path, point.value))
    const onPlatform = point.input.file === init.platformFile
    for (const e of point.experiments) pointJobs.push({ point, job: job(e, onPlatform ? file : init.platformFile, onPlatform ? costsFile : file) })
  }
  const jobs = [...baseMissing.map(e => job(e, init.platformFile, costsFile)), ...pointJobs.map(p => p.job)]
  const order = jobs.map((_, i) => i).sort((a, b) => slowness(jobs[a]!.experiment) - slowness(jobs[b]!.experiment) || a - b)
  let done = 0
  const label = (j: PointJob): string => {
    const p = pointJobs.find(x => x.job === j)?.point
    return p === undefined ? `base inputs, ${j.experiment}` : `${p.input.path} = ${formatNumber(p.value)}, ${j.experiment}`
  }
  init.onProgress?.(0, `${jobs.length} runs`)
  const ordered = await runAll(order.map(i => jobs[i]!), run, parallel, (j) => { done++; init.onProgress?.(done / jobs.length, label(j)) })
  const results = new Map<PointJob, RunRecord[]>(order.map((i, k) => [jobs[i]!, ordered[k]!]))

  const baseRuns = [...given.filter(r => !baseMissing.includes(r.experiment)), ...jobs.slice(0, baseMissing.length).flatMap(j => results.get(j)!)]
  const reference = init.baseRuns ?? baseRuns
  const referenceRepetitions = new Set(reference.map(r => r.seed)).size
  const runsAt = (point: SensitivityPoint): RunRecord[] => {
    const moved = pointJobs.filter(p => p.point === point).flatMap(p => results.get(p.job)!)
    return [...baseRuns.filter(r => !point.experiments.includes(r.experiment)), ...moved]
  }
  const marginOf = (runs: readonly RunRecord[], id: string): number | null => {
    const m = judgeFinding(runs, id)?.margin
    return m === undefined || !Number.isFinite(m) ? null : m
  }
  const marginsAt = new Map(points.map(p => [p, new Map(wanted.map(f => [f.id, p.experiments.length === 0 ? undefined : marginOf(runsAt(p), f.id)]))]))

  const findings = wanted.map((f) => {
    const ref = marginOf(reference, f.id)
    const onSeeds = marginOf(baseRuns, f.id)
    if (ref === null || onSeeds === null) {
      throw new SensitivityError(`finding ${f.id}: expected runs of ${f.needs.join(', ')} on the base inputs that judge it, found none`)
    }
    const at = (input: EstimatedInput, end: 'low' | 'high'): number | null => {
      const p = points.find(x => x.input === input && x.end === end)!
      const m = marginsAt.get(p)!.get(f.id)
      return m === undefined ? onSeeds : m
    }
    const rows: InputMargins[] = inputs.filter(i => f.needs.some(n => inputReaches(i, costsFile, n))).map(i => ({
      input: inputName(i), base: i.value, low: i.low, high: i.high, why: i.why, atLow: at(i, 'low'), atHigh: at(i, 'high')
    }))
    const seedMargins = [...new Set(reference.map(r => r.seed))].sort((a, b) => a - b)
      .map(s => marginOf(reference.filter(r => r.seed === s), f.id)).filter((m): m is number => m !== null)
    return analyseFinding({ id: f.id, reference: ref, onSeeds, seedMargins, seeds, inputs: rows })
  })
  const analysis: SensitivityAnalysis = {
    seeds,
    referenceRepetitions,
    estimates: inputs.map(i => ({ input: inputName(i), base: i.value, low: i.low, high: i.high, why: i.why })),
    perturbedRuns: pointJobs.length,
    findings,
    notAnalysed
  }
  return { analysis, baseRuns }
}

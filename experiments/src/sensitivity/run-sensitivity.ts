/**
 * The sensitivity of the findings to the model's estimated inputs, one at a
 * time: every value the platform file and the Hadoop cost file mark as an
 * estimate (their `estimates` blocks, each with the range its source
 * allows) is moved alone to the low and to the high end of its range; the
 * runs the findings read that the input can change are made again on the
 * analysis' seeds and the findings judged again. A verdict that flips
 * anywhere in an estimate's range is fragile, whichever way it falls.
 *
 * What is run again, and what is not: the experiments that are grids
 * (`gridExperiment`: each point a deployment of its own) are first run point
 * by point on the base inputs, watching which values of the loaded files each
 * point reads (`read-tracking.ts`); their records must be the report's (a
 * point run alone gives what it gives in the whole experiment). The findings
 * judged on them say which points they look up. At each end of a range, a
 * point runs again only when a finding looks it up and its base run read a
 * value that the end changes in the loaded files: a run that reads none of
 * them is, deterministically, the base run, whose records stand for it. Every
 * other experiment (the control plane's) runs whole at each end that can
 * reach it. The same analysis results as running every experiment again at
 * every end, for a fraction of the runs.
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
import { isDeepStrictEqual } from 'node:util'
import { readEstimates, withValueAt, type EstimatedInput } from '@xenos/config-file'
import type { RunRecord, SensitivityAnalysis } from '@xenos/experiment-interface'
import { DEFAULT_COSTS_FILE, parseCosts } from '@xenos/hadoop-bench'
import { parsePlatform } from '@xenos/sim-engine'
import { experimentByName } from '../definitions/index.js'
import { gridPoints } from '../definitions/hadoop-grid.js'
import { FINDINGS, judgeFinding, UnknownFindingError, type FindingInfo, type FindingRead } from '../findings.js'
import { analyseFinding, formatNumber, type InputMargins } from './analyse.js'
import { SensitivityError } from './errors.js'
import { inputName, inputReaches, planPoints, type SensitivityPoint } from './plan.js'
import { runPointHere, type PointJob, type PointResult, type PointRunner } from './point-runs.js'
import { valuesMoved } from './read-tracking.js'

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

/** Runs on the base inputs whose cost is not known yet: whole experiments first (those start coordinators), then the longest jobs' grids. */
const SLOW_FIRST = ['deploy', 'master-migration', 'hdfs-outside-vms', 'sort', 'wordcount']
const slowness = (job: PointJob): number => {
  const i = SLOW_FIRST.indexOf(job.experiment)
  return (job.gridPoint === undefined ? 0 : SLOW_FIRST.length + 1) + (i < 0 ? SLOW_FIRST.length : i)
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
async function runAll (jobs: readonly PointJob[], run: PointRunner, parallel: number, onDone: (job: PointJob) => void): Promise<PointResult[]> {
  const out = new Array<PointResult>(jobs.length)
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

/** A point's run files, and the loaded values its moved input changes. */
interface End {
  point: SensitivityPoint
  platformFile: string
  costsFile: string
  moved: string[] | 'all'
}

/** The same records, as their files hold them (key order aside). */
const sameRecords = (a: readonly RunRecord[], b: readonly RunRecord[]): boolean =>
  isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))
const describeRead = (r: FindingRead): string => `${r.experiment} ${r.setup} ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')} ${r.metric}`

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
  const platformText = await readFile(init.platformFile, 'utf8')
  const costsText = await readFile(costsFile, 'utf8')
  const texts = new Map<string, string>([[init.platformFile, platformText], [costsFile, costsText]])
  const inputs = chosenInputs([...texts].flatMap(([file, text]) => readEstimates(text, file)), init.inputs)
  const needed = [...new Set(wanted.flatMap(f => f.needs))]
  const points = planPoints(inputs, costsFile, needed)
  const grids = new Map(needed.flatMap((e) => {
    const grid = gridPoints(experimentByName(e))
    return grid === undefined ? [] : [[e, grid.length] as const]
  }))
  const job = (experiment: string, platformFile: string, costs: string, extra: Partial<PointJob> = {}): PointJob =>
    ({ experiment, platformFile, costsFile: costs, seed: init.seed, repetitions: init.repetitions, ...extra })

  // Each end's files, and the values it changes in the loaded files (the moved file is loaded under the base file's name: a file's name is no input).
  const inputsDir = join(init.outDir, 'sensitivity', 'inputs')
  await mkdir(inputsDir, { recursive: true })
  const loadedPlatform = parsePlatform(platformText, init.platformFile)
  const loadedCosts = parseCosts(costsText, costsFile)
  const ends: End[] = []
  for (const point of points) {
    if (point.experiments.length === 0) continue
    const file = join(inputsDir, `${basename(point.input.file).replace(/\.[^.]+$/, '')}.${point.input.path}.${point.end}.yaml`)
    const text = withValueAt(texts.get(point.input.file)!, point.input.file, point.input.path, point.value)
    await writeFile(file, text)
    const onPlatform = point.input.file === init.platformFile
    const moved = onPlatform
      ? valuesMoved(loadedPlatform, parsePlatform(text, init.platformFile), 'platform')
      : valuesMoved(loadedCosts, parseCosts(text, costsFile), 'costs')
    ends.push({ point, platformFile: onPlatform ? file : init.platformFile, costsFile: onPlatform ? costsFile : file, moved })
  }

  // The base: every grid point alone, watched (its records must be the report's), and the other experiments the report lacks.
  const given = init.baseRuns?.filter(r => seeds.includes(r.seed)) ?? []
  const covered = (e: string): boolean => seeds.every(s => given.some(r => r.experiment === e && r.seed === s))
  const baseJobs = needed.flatMap((e) => {
    const n = grids.get(e)
    if (n !== undefined) return Array.from({ length: n }, (_, i) => job(e, init.platformFile, costsFile, { gridPoint: i, watchReads: true }))
    return covered(e) ? [] : [job(e, init.platformFile, costsFile)]
  })
  let done = 0
  // Until the base says which grid points each end reaches, every point of every experiment it reaches counts.
  let total = baseJobs.length + ends.reduce((n, end) => n + end.point.experiments.reduce((k, e) => k + (grids.get(e) ?? 1), 0), 0)
  const label = (j: PointJob, end?: End): string => `${end === undefined ? 'base inputs' : `${end.point.input.path} = ${formatNumber(end.point.value)}`}, `
    + `${j.experiment}${j.gridPoint !== undefined ? ` point ${j.gridPoint + 1}/${grids.get(j.experiment)}` : ''}`
  init.onProgress?.(0, `${baseJobs.length} runs on the base inputs`)
  const baseOrder = baseJobs.map((_, i) => i).sort((a, b) => slowness(baseJobs[a]!) - slowness(baseJobs[b]!) || a - b)
  const baseOut = await runAll(baseOrder.map(i => baseJobs[i]!), run, parallel, (j) => { done++; init.onProgress?.(done / total, label(j)) })
  const baseResults = new Map<PointJob, PointResult>(baseOrder.map((i, k) => [baseJobs[i]!, baseOut[k]!]))
  const atPoint = (e: string, i: number): PointResult => baseResults.get(baseJobs.find(j => j.experiment === e && j.gridPoint === i)!)!
  /** A grid experiment's records, seed by seed, point by point, as a whole run gives them. */
  const assemble = (e: string, pointRuns: (i: number) => readonly RunRecord[]): RunRecord[] =>
    seeds.flatMap(s => Array.from({ length: grids.get(e)! }, (_, i) => pointRuns(i).filter(r => r.seed === s)).flat())
  const made = new Map<string, RunRecord[]>()
  for (const e of needed) {
    if (grids.has(e)) {
      const runs = assemble(e, i => atPoint(e, i).runs)
      if (!covered(e)) made.set(e, runs)
      else if (!sameRecords(runs, given.filter(r => r.experiment === e))) {
        throw new SensitivityError(`${e} on the base inputs, seeds ${seeds.join(', ')}: expected its grid points run one by one to give the records`
          + ' of the report\'s run of the whole experiment, found other records (a run that depends on what ran before it in its process)')
      }
    } else if (!covered(e)) {
      made.set(e, baseResults.get(baseJobs.find(j => j.experiment === e)!)!.runs)
    }
  }
  const baseRuns = [...given.filter(r => !made.has(r.experiment)), ...[...made.values()].flat()]

  // The grid points the findings look up on the base inputs.
  const pointsOf = (read: FindingRead): number[] => Array.from({ length: grids.get(read.experiment) ?? 0 }, (_, i) => i)
    .filter(i => atPoint(read.experiment, i).runs.some(r => r.setup === read.setup && r.metric === read.metric
      && Object.entries(read.params).every(([k, v]) => r.params[k] === v)))
  const looked = new Map<string, Set<number>>([...grids.keys()].map(e => [e, new Set<number>()]))
  for (const f of wanted) judgeFinding(baseRuns, f.id, (read) => { for (const i of pointsOf(read)) looked.get(read.experiment)!.add(i) })

  // At each end: the grid points looked up that read a value the end changes, and the whole of each other experiment it reaches.
  const endJobs: Array<{ end: End, job: PointJob, costS: number }> = []
  for (const end of ends) {
    for (const e of end.point.experiments) {
      if (!grids.has(e)) {
        endJobs.push({ end, job: job(e, end.platformFile, end.costsFile), costS: Infinity })
        continue
      }
      for (const i of [...looked.get(e)!].sort((a, b) => a - b)) {
        const base = atPoint(e, i)
        const read = base.read === undefined ? undefined : new Set(base.read)
        if (end.moved !== 'all' && read !== undefined && !end.moved.some(p => read.has(p))) continue
        endJobs.push({ end, job: job(e, end.platformFile, end.costsFile, { gridPoint: i }), costS: base.cpuS ?? Infinity })
      }
    }
  }
  total = baseJobs.length + endJobs.length
  // Costliest first (by the base run of the same point), so that parallel runs end together.
  const order = endJobs.map((_, i) => i).sort((a, b) => endJobs[b]!.costS - endJobs[a]!.costS || a - b)
  const endOut = await runAll(order.map(i => endJobs[i]!.job), run, parallel, (j) => {
    done++
    init.onProgress?.(done / total, label(j, endJobs.find(x => x.job === j)!.end))
  })
  const results = new Map<End, Map<string, RunRecord[]>>(ends.map(end => [end, new Map()]))
  order.forEach((i, k) => { results.get(endJobs[i]!.end)!.set(`${endJobs[i]!.job.experiment} ${endJobs[i]!.job.gridPoint}`, endOut[k]!.runs) })
  const ranAt = (end: End, e: string, gridPoint?: number): RunRecord[] | undefined => results.get(end)!.get(`${e} ${gridPoint}`)
  const runsAt = (end: End): RunRecord[] => [
    ...baseRuns.filter(r => !end.point.experiments.includes(r.experiment)),
    ...end.point.experiments.flatMap(e => grids.has(e) ? assemble(e, i => ranAt(end, e, i) ?? atPoint(e, i).runs) : ranAt(end, e)!)
  ]
  const marginOf = (runs: readonly RunRecord[], id: string, onRead?: (read: FindingRead) => void): number | null => {
    const m = judgeFinding(runs, id, onRead)?.margin
    return m === undefined || !Number.isFinite(m) ? null : m
  }
  const marginsAt = new Map(points.map((p) => {
    const end = ends.find(x => x.point === p)
    if (end === undefined) return [p, new Map<string, number | null | undefined>(wanted.map(f => [f.id, undefined]))]
    const runs = runsAt(end)
    return [p, new Map(wanted.map(f => [f.id, marginOf(runs, f.id, (read) => {
      if (!end.point.experiments.includes(read.experiment) || !grids.has(read.experiment)) return
      if (pointsOf(read).some(i => !looked.get(read.experiment)!.has(i))) {
        throw new SensitivityError(`finding ${f.id} with ${inputName(p.input)} = ${p.value}: expected it to look up only the grid points it looks up`
          + ` on the base inputs, found it looking up ${describeRead(read)}`)
      }
    })]))]
  }))

  const reference = init.baseRuns ?? baseRuns
  const referenceRepetitions = new Set(reference.map(r => r.seed)).size
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
    perturbedRuns: endJobs.length,
    findings,
    notAnalysed
  }
  return { analysis, baseRuns }
}

/**
 * The sensitivity of the findings to the model's estimated inputs, one at a
 * time: every value the platform file and the Hadoop cost file mark as an
 * estimate (their `estimates` blocks, each with the range its source
 * allows) is moved alone to the low and to the high end of its range; the
 * experiments a finding reads are run again on the same seeds and the
 * finding judged again. A verdict that flips anywhere in an estimate's range
 * is fragile, whichever way it falls.
 *
 * Only the experiments an input can change are run again: a cost file's
 * `jobs.<kind>` value only matters to experiments that run that kind of job;
 * every other input may change any Hadoop experiment, and a platform input
 * any experiment. The modified files are written beside the results
 * (`inputs/`), so each point can be run again by hand.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { readEstimates, withValueAt, type EstimatedInput } from '@xenos/config-file'
import type { ExperimentDefinition, FindingSensitivity, InputSensitivity, RunRecord } from '@xenos/experiment-interface'
import { DEFAULT_COSTS_FILE } from '@xenos/hadoop-bench'
import { experimentByName } from './definitions/index.js'
import { FINDINGS, judgeFinding, UnknownFindingError, type FindingInfo } from './findings.js'
import { runExperiments } from './runner.js'
import { simTestbedFactory } from './testbeds/sim-testbed.js'
import { ExperimentsError } from './errors.js'

/** The jobs each experiment runs (a `jobs.<kind>` estimate matters only to these). */
const JOBS_OF: Readonly<Record<string, readonly string[]>> = {
  'hdfs-datasize': [],
  'hdfs-datanodes': [],
  'wordcount': ['wordcount'],
  'sort': ['sort', 'randomwriter'],
  'pi': ['pi'],
  'slots': ['pi'],
  'master-migration': ['wordcount'],
  'hdfs-outside-vms': ['wordcount', 'sort', 'randomwriter'],
  'deploy': []
}
/** Experiments that run no Hadoop: no cost-file input reaches them. */
const NO_HADOOP = new Set(['deploy'])

export interface SensitivityInit {
  /** Findings to analyse (`C6`, ...); every model finding when empty. */
  findings: readonly string[]
  platformFile: string
  /** @default the shipped Hadoop 0.20 costs */
  costsFile?: string
  /** Seed of the first repetition of each point (repetition r uses seed + r), as the paper's runs. */
  seed: number
  repetitions: number
  /** Where the modified input files go (`<outDir>/inputs/`). */
  outDir: string
  /** Runs of the base inputs already made (the paper's), reused for the base margins when they cover the seeds. */
  baseRuns?: readonly RunRecord[]
  onProgress?: (fraction: number, label: string) => void
}

/** A sensitivity analysis that cannot be run as asked (bad repetitions, a finding not judged on the model, no base runs). */
export class SensitivityError extends ExperimentsError {}

/** Whether `input` can change the runs of `experiment`. */
export function inputReaches (input: EstimatedInput, costsFile: string, experiment: string): boolean {
  if (input.file !== costsFile) return true
  if (NO_HADOOP.has(experiment)) return false
  const m = /^jobs\.([^.]+)\./.exec(input.path)
  if (m === null) return true
  return (JOBS_OF[experiment] ?? [m[1]!]).includes(m[1]!)
}

function margins (runs: readonly RunRecord[], findings: readonly FindingInfo[]): Map<string, number | null> {
  return new Map(findings.map(f => [f.id, judgeFinding(runs, f.id)?.margin ?? null]))
}

/** Where the margin crosses 0 between (base, m0) and (end, m1), when the signs differ. */
function crossing (base: number, m0: number, end: number, m1: number | null): number | undefined {
  if (m1 === null || (m0 >= 0) === (m1 >= 0)) return undefined
  return base + (end - base) * m0 / (m0 - m1)
}

const num = (x: number): string => {
  const a = Math.abs(x)
  if (a !== 0 && (a >= 1e5 || a < 1e-2)) return x.toExponential(2)
  return Number(x.toPrecision(3)).toString()
}

/** The sentence of a finding's sensitivity. */
export function sensitivitySentence (id: string, baseMargin: number, inputs: readonly InputSensitivity[]): string {
  const holds = baseMargin >= 0
  const name = (i: InputSensitivity): string => i.input.split('#')[1] ?? i.input
  const flips = inputs.filter(i => i.flipsBelow !== undefined || i.flipsAbove !== undefined)
  if (flips.length === 0) {
    const top = inputs.slice(0, 2).map(i => name(i)).join(' and ')
    return `${id} ${holds ? 'holds' : 'fails'} across the plausible range of every estimated input (${inputs.length}, one at a time)`
      + `${top === '' ? '' : `; ${top} move its margin most`}.`
  }
  const clauses = flips.map((i) => {
    const sides = [i.flipsBelow !== undefined ? `below about ${num(i.flipsBelow)}` : '', i.flipsAbove !== undefined ? `above about ${num(i.flipsAbove)}` : '']
    const where = sides.filter(x => x !== '').join(' or ')
    return `${name(i)} ${where} (base ${num(i.base)}, plausible ${num(i.low)} to ${num(i.high)})`
  })
  return `${id} ${holds ? 'holds' : 'fails'} on the base inputs and is fragile: it would ${holds ? 'fail' : 'hold'} with ${clauses.join('; or ')}.`
}

/** Runs the sensitivity analysis; returns one result per finding, in the findings' order. */
export async function runSensitivity (init: SensitivityInit): Promise<{ findings: FindingSensitivity[], baseRuns: RunRecord[] }> {
  const costsFile = init.costsFile ?? DEFAULT_COSTS_FILE
  const wanted = init.findings.length === 0
    ? FINDINGS.filter(f => f.modelOutput)
    : init.findings.map((id) => {
        const f = FINDINGS.find(x => x.id === id)
        if (f === undefined) throw new UnknownFindingError(id)
        if (!f.modelOutput) {
          const found = 'one judged on wall-clock measurements (no estimated input can move it)'
          throw new SensitivityError(`finding ${id}: expected a finding judged on the model's outputs, found ${found}`)
        }
        return f
      })
  if (!Number.isInteger(init.repetitions) || init.repetitions < 1) {
    throw new SensitivityError(`repetitions: expected an integer >= 1, found ${init.repetitions}`)
  }
  const seeds = Array.from({ length: init.repetitions }, (_, r) => init.seed + r)
  const texts = new Map<string, string>([[init.platformFile, await readFile(init.platformFile, 'utf8')], [costsFile, await readFile(costsFile, 'utf8')]])
  const inputs = [...texts].flatMap(([file, text]) => readEstimates(text, file))
  const experimentsOf = (fs: readonly FindingInfo[]): string[] => [...new Set(fs.flatMap(f => f.needs))]
  const run = async (defs: readonly ExperimentDefinition[], platformFile: string, costs: string, label: string): Promise<RunRecord[]> => {
    if (defs.length === 0) return []
    const rs = await runExperiments(defs, {
      backend: 'sim',
      factory: await simTestbedFactory({ platformFile, costsFile: costs }),
      platform: { name: 'sensitivity', file: platformFile, sha256: '0'.repeat(64) },
      seed: init.seed,
      repetitions: init.repetitions,
      software: { name: '@xenos/experiments', version: 'sensitivity' },
      startedAt: '1970-01-01T00:00:00.000Z',
      onProgress: (_f, l) => { init.onProgress?.(done / total, `${label}: ${l}`) }
    })
    return rs.runs
  }
  const seedsCovered = init.baseRuns !== undefined && seeds.every(s => init.baseRuns!.some(r => r.seed === s))
  const baseDefs = experimentsOf(wanted).map(experimentByName)
  const plan = inputs
    .flatMap(input => (['low', 'high'] as const).map(end => ({ input, end, defs: baseDefs.filter(d => inputReaches(input, costsFile, d.name)) })))
    .filter(p => p.defs.length > 0)
  const total = plan.length + (seedsCovered ? 0 : 1)
  let done = 0
  const baseRuns = seedsCovered ? init.baseRuns!.filter(r => seeds.includes(r.seed)) : await run(baseDefs, init.platformFile, costsFile, 'base inputs')
  if (!seedsCovered) done++
  const base = margins(baseRuns, wanted)
  const inputsDir = join(init.outDir, 'inputs')
  await mkdir(inputsDir, { recursive: true })
  const at = new Map<string, Map<string, number | null>>()
  for (const p of plan) {
    const value = p.end === 'low' ? p.input.low : p.input.high
    const key = `${p.input.file}#${p.input.path}`
    const file = join(inputsDir, `${basename(p.input.file).replace(/\.[^.]+$/, '')}.${p.input.path}.${p.end}.yaml`)
    await writeFile(file, withValueAt(texts.get(p.input.file)!, p.input.file, p.input.path, value))
    const isPlatform = p.input.file === init.platformFile
    const runs = value === p.input.value
      ? baseRuns
      : await run(p.defs, isPlatform ? file : init.platformFile, isPlatform ? costsFile : file, `${p.input.path} = ${num(value)}`)
    const judged = margins(runs, wanted.filter(f => f.needs.every(n => p.defs.some(d => d.name === n))))
    at.set(`${key}@${p.end}`, judged)
    done++
    init.onProgress?.(done / total, `${p.input.path} ${p.end} done`)
  }
  const findings = wanted.map((f): FindingSensitivity => {
    const m0 = base.get(f.id) ?? null
    if (m0 === null) throw new SensitivityError(`finding ${f.id}: expected runs of ${f.needs.join(', ')} on the base inputs, found none`)
    const rows: InputSensitivity[] = inputs.filter(i => f.needs.some(n => inputReaches(i, costsFile, n))).map((i) => {
      const key = `${i.file}#${i.path}`
      const lo = at.get(`${key}@low`)?.get(f.id) ?? null
      const hi = at.get(`${key}@high`)?.get(f.id) ?? null
      const below = crossing(i.value, m0, i.low, lo)
      const above = crossing(i.value, m0, i.high, hi)
      return {
        input: `${basename(i.file)}#${i.path}`, base: i.value, low: i.low, high: i.high, why: i.why, marginAtLow: lo, marginAtHigh: hi,
        ...(below !== undefined ? { flipsBelow: below } : {}), ...(above !== undefined ? { flipsAbove: above } : {})
      }
    })
    const swing = (r: InputSensitivity): number => Math.max(Math.abs((r.marginAtLow ?? m0) - m0), Math.abs((r.marginAtHigh ?? m0) - m0))
    rows.sort((a, b) => swing(b) - swing(a) || a.input.localeCompare(b.input))
    const fragile = rows.some(r => r.flipsBelow !== undefined || r.flipsAbove !== undefined)
    return { id: f.id, baseMargin: m0, seeds, inputs: rows, fragile, sentence: sensitivitySentence(f.id, m0, rows) }
  })
  return { findings, baseRuns: [...baseRuns] }
}

/** The file `xenos sensitivity` writes and the report reads back: the results with the inputs they were computed on. */
export interface SensitivityFile {
  /** SHA-256 of the platform file the analysis ran on (a report includes it only for runs on the same file). */
  platformSha256: string
  findings: FindingSensitivity[]
}

export const SENSITIVITY_FILE = 'sensitivity.json'

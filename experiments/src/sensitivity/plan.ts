/**
 * Which runs a sensitivity analysis needs: each estimated input moved alone
 * to each end of its range, and for each end the experiments the findings
 * read that the input can reach. An end equal to the input's value needs no
 * run (its margins are the base ones).
 *
 * What an input reaches is decided by the files' structure, not by the
 * analysis' results: a cost file's `jobs.<kind>` value only matters to
 * experiments that run that kind of job, no cost file value matters to an
 * experiment that runs no Hadoop, and every other input may change any
 * experiment.
 */
import type { EstimatedInput } from '@xenos/config-file'

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

/** Whether `input` can change the runs of `experiment` (`costsFile`: the cost file's path, to tell its inputs from the platform's). */
export function inputReaches (input: Pick<EstimatedInput, 'file' | 'path'>, costsFile: string, experiment: string): boolean {
  if (input.file !== costsFile) return true
  if (NO_HADOOP.has(experiment)) return false
  const m = /^jobs\.([^.]+)\./.exec(input.path)
  if (m === null) return true
  return (JOBS_OF[experiment] ?? [m[1]!]).includes(m[1]!)
}

export type RangeEnd = 'low' | 'high'

/** One input at one end of its range, and the experiments to run again with it there. */
export interface SensitivityPoint {
  input: EstimatedInput
  end: RangeEnd
  value: number
  /** Experiments the findings read that the input reaches; empty when the end is the input's own value. */
  experiments: string[]
}

/** Every point of a one-at-a-time analysis of `inputs` over the experiments `needed`, in input order, low end first. */
export function planPoints (inputs: readonly EstimatedInput[], costsFile: string, needed: readonly string[]): SensitivityPoint[] {
  return inputs.flatMap(input => (['low', 'high'] as const).map((end): SensitivityPoint => {
    const value = input[end]
    const experiments = value === input.value ? [] : needed.filter(e => inputReaches(input, costsFile, e))
    return { input, end, value, experiments }
  }))
}

/** `file#path` of an input, the name rows and reports use. */
export function inputName (input: Pick<EstimatedInput, 'file' | 'path'>): string {
  const file = input.file.split(/[\\/]/).pop() ?? input.file
  return `${file}#${input.path}`
}

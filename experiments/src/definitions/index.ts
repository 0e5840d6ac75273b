import type { ExperimentDefinition } from '@xenos/experiment-interface'
import { hdfsDatasize } from './hdfs-datasize.js'
import { hdfsDatanodes } from './hdfs-datanodes.js'
import { wordcount, sort, pi } from './mapreduce-jobs.js'
import { deploy } from './deploy.js'
import { masterMigration } from './master-migration.js'
import { hdfsOutsideVms } from './hdfs-outside-vms.js'
import { slots } from './slots.js'
import { ExperimentsError } from '../errors.js'

/** Every experiment, in the paper's order. */
export const EXPERIMENTS: readonly ExperimentDefinition[] = [hdfsDatasize, hdfsDatanodes, wordcount, sort, pi, deploy, masterMigration, hdfsOutsideVms, slots]

export class UnknownExperimentError extends ExperimentsError {
  constructor (readonly found: string) {
    super(`expected an experiment, one of ${EXPERIMENTS.map(e => e.name).join(', ')}; found "${found}"`)
  }
}

export function experimentByName (name: string): ExperimentDefinition {
  const e = EXPERIMENTS.find(x => x.name === name)
  if (e === undefined) throw new UnknownExperimentError(name)
  return e
}

export { hdfsDatasize, hdfsDatanodes, wordcount, sort, pi, deploy, masterMigration, hdfsOutsideVms, slots }

/**
 * An experiment, written once against the `Testbed` interface.
 */
import type { ParamValue, RunRecord } from './results.js'
import type { Testbed } from './testbed.js'

/** What an experiment measured in one repetition: runs without seed and repetition (the runner adds them). */
export type Measurement = Omit<RunRecord, 'seed' | 'repetition'>

export interface ExperimentContext {
  /** The repetition's seed. */
  seed: number
  repetition: number
  /** Reports progress: `done` of `total` steps, with a short label. */
  progress(done: number, total: number, label: string): void
}

export interface ExperimentDefinition {
  /** Short name used on the command line, e.g. `hdfs-datasize`. */
  name: string
  /** One line for `xenos experiment list`. */
  title: string
  /** The paper's figure it redraws, if any (`fig4` ... `fig8`). */
  figure?: string
  /** The experiment's parameters, recorded in the result file. */
  parameters: Record<string, ParamValue>
  /** Runs the experiment once on `testbed`. */
  run(testbed: Testbed, context: ExperimentContext): Promise<Measurement[]>
}

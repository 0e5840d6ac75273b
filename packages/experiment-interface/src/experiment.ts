/**
 * An experiment, written once against the `Testbed` interface.
 */
import type { MeasuredOn, Quantity } from './quantity.js'
import type { ParamValue, RunCounters, RunRecord } from './results.js'
import type { Testbed } from './testbed.js'

/**
 * What an experiment measured in one repetition: a run without seed and
 * repetition (the runner adds them), with the clock of its value always
 * stated. Made by `measurement` from a `Quantity`, so unit and clock come
 * from where the value was measured.
 */
export type Measurement = Omit<RunRecord, 'seed' | 'repetition' | 'clock'> & { clock: MeasuredOn }

/** The point a measurement belongs to. */
export interface MeasurementPoint {
  experiment: string
  setup: string
  params: Record<string, ParamValue>
}

/** A measurement of `quantity` at `point`, its unit and clock taken from the quantity. */
export function measurement (point: MeasurementPoint, metric: string, quantity: Quantity, extra?: RunCounters): Measurement {
  return {
    experiment: point.experiment,
    setup: point.setup,
    params: point.params,
    metric,
    unit: quantity.unit,
    value: quantity.value,
    clock: quantity.clock,
    ...(extra !== undefined ? { extra } : {})
  }
}

/** The run record of a measurement: `clock` kept only for wall-clock values (the result file's form). */
export function toRunRecord (m: Measurement, seed: number, repetition: number): RunRecord {
  const { clock, extra, ...rest } = m
  return { ...rest, ...(clock === 'wall' ? { clock } : {}), ...(extra !== undefined ? { extra } : {}), seed, repetition }
}

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

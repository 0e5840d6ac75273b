/**
 * The sensitivity of a finding's verdict to the model's estimated inputs:
 * each estimate (a platform or cost value not measured on the paper's
 * hardware, with the range its source allows) moved alone to each end of its
 * range, the finding judged again. What the experiments compute and the
 * reporter draws (a tornado chart and a sentence per finding).
 */

/** One estimated input of a platform or cost file, as the analysis read it. */
export interface EstimateInfo {
  /** `file#dotted.path`, e.g. `hadoop-0.20.yaml#memory.kernelMiB`. */
  input: string
  /** Its value in the file, and the ends of its plausible range. */
  base: number
  low: number
  high: number
  /** Where the range comes from (its source). */
  why: string
}

/** One estimated input moved across its range, as it bears on one finding. */
export interface InputSensitivity extends EstimateInfo {
  /** The finding's margin with the input at `low` and at `high` (>= 0 holds); null when its runs were missing. */
  marginAtLow: number | null
  marginAtHigh: number | null
  /** Where the margin crosses 0 between the low end and the base (linear interpolation), when the low end flips the verdict. */
  flipsBelow?: number
  /** Where the margin crosses 0 between the base and the high end, when the high end flips the verdict. */
  flipsAbove?: number
}

export interface FindingSensitivity {
  id: string
  /** The margin on the base inputs (>= 0 holds): the report's, over all its repetitions. */
  baseMargin: number
  /**
   * The margin on each of the report's seeds alone, in seed order: how far
   * run-to-run variation moves it, beside what an estimate does.
   */
  seedMargins: number[]
  /** Seeds the perturbed runs were made on. */
  seeds: number[]
  /** Every input that can move this finding, largest swing of the margin first. */
  inputs: InputSensitivity[]
  /** True when some input's plausible range holds a value that flips the verdict. */
  fragile: boolean
  /** What it says, in a sentence. */
  sentence: string
}

/** A finding the analysis leaves out, and why (one judged on wall-clock measurements: no model input moves it). */
export interface FindingNotAnalysed {
  id: string
  /** A sentence, e.g. `not applicable: judged on wall-clock measurements ...`. */
  why: string
}

/** A whole analysis: how it was made, every estimate it moved, and the result per finding. */
export interface SensitivityAnalysis {
  /**
   * Seeds each perturbed point ran on (one repetition per seed). A finding's
   * margin at an end of a range is the report's margin plus the change that
   * end made on these seeds (the same seeds with the base inputs): with as
   * many seeds as the report's repetitions it is exactly the margin at that end.
   */
  seeds: number[]
  /** Repetitions of the runs the report's margins (`baseMargin`) come from. */
  referenceRepetitions: number
  /** Every estimated input of the platform and cost files, in file order. */
  estimates: EstimateInfo[]
  /**
   * Runs with one input moved that the analysis made (or found made: the
   * figure does not depend on a cache), each of one experiment's grid point
   * (or of a whole experiment that is not a grid) on the analysis' seeds.
   */
  perturbedRuns: number
  findings: FindingSensitivity[]
  notAnalysed: FindingNotAnalysed[]
}

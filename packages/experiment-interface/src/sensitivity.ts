/**
 * The sensitivity of a finding's verdict to the model's estimated inputs:
 * each estimate (a platform or cost value not measured on the paper's
 * hardware, with the range its source allows) moved alone to each end of its
 * range, the finding judged again. What the experiments compute and the
 * reporter draws (a tornado chart and a sentence per finding).
 */

/** One estimated input moved across its range. */
export interface InputSensitivity {
  /** `file#dotted.path`, e.g. `hadoop-0.20.yaml#memory.kernelMiB`. */
  input: string
  /** Its value in the file, and the ends of its plausible range. */
  base: number
  low: number
  high: number
  /** Where the range comes from. */
  why: string
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
  /** The margin on the base inputs (>= 0 holds). */
  baseMargin: number
  /** Seeds the margins were computed on (the mean over them decides, as in the report). */
  seeds: number[]
  /** Every input that can move this finding, largest swing of the margin first. */
  inputs: InputSensitivity[]
  /** True when some input's plausible range holds a value that flips the verdict. */
  fragile: boolean
  /** What it says, in a sentence. */
  sentence: string
}

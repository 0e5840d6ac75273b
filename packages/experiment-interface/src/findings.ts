/**
 * Finding results: one of the paper's claims (C1..C12) checked against
 * measured runs, with the evidence and the model mechanism that produces it.
 */

/** PASS and FAIL are verdicts on measured data; SKIPPED means no data to judge (say why in `reason`). */
export type FindingStatus = 'PASS' | 'FAIL' | 'SKIPPED'

export const FINDING_STATUSES: readonly FindingStatus[] = ['PASS', 'FAIL', 'SKIPPED']

/**
 * @example
 * ```ts
 * const c7: FindingResult = {
 *   id: 'C7', title: 'Figure 8: Pi on VM2/VM4 beats VM1',
 *   statement: 'Pi on VM2 and VM4 is decisively faster than on VM1.',
 *   status: 'PASS',
 *   evidence: 'VM1 412.0 s ± 3.1; VM2 251.3 s ± 2.0; VM4 240.9 s ± 4.4',
 *   mechanism: 'Each map task is CPU bound; VM2 maps a VCPU to every core, VM1 leaves one idle.'
 * }
 * ```
 */
export interface FindingResult {
  /** `C1`, `C2`, ... */
  id: string
  title: string
  /** The claim as the paper makes it. */
  statement: string
  status: FindingStatus
  /** The measured numbers the verdict rests on. */
  evidence: string
  /** The mechanism in the model that produces (or fails to produce) the behaviour. */
  mechanism: string
  /** Why it failed or was skipped, when it did. */
  reason?: string
  /**
   * `prediction` (the default): no input of the model was calibrated on the
   * figures the finding checks. `consistent-by-calibration`: some were, so a
   * PASS shows the model is consistent with them, not that it predicts them;
   * `calibratedOn` says which inputs and which figures.
   */
  basis?: FindingBasis
  calibratedOn?: string
}

export type FindingBasis = 'prediction' | 'consistent-by-calibration'

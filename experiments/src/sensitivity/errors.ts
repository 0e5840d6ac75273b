/** Errors of the sensitivity analysis. */
import { ExperimentsError } from '../errors.js'

/** A sensitivity analysis that cannot be run as asked (bad repetitions, a finding not judged on the model, no base runs). */
export class SensitivityError extends ExperimentsError {}

/** One run of the analysis (an experiment with one input moved) failed, in this process or in a worker process. */
export class PointRunError extends SensitivityError {}

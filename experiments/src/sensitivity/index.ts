/**
 * The sensitivity of the findings to the model's estimated inputs: which
 * estimates (platform and cost values marked as such, each with the range
 * its source allows) can flip each verdict, one at a time.
 */
export { runSensitivity, defaultSensitivityFindings, CONTROL_PLANE_EXPERIMENTS, type SensitivityInit } from './run-sensitivity.js'
export { analyseFinding, sensitivitySentence, formatNumber, type FindingMargins, type InputMargins } from './analyse.js'
export { inputReaches, planPoints, inputName, type SensitivityPoint, type RangeEnd } from './plan.js'
export { runPointHere, cachedPointRuns, type PointJob, type PointRunner, type PointCache } from './point-runs.js'
export { workerPool, type WorkerPool, type WorkerPoolInit } from './worker-pool.js'
export { SENSITIVITY_FILE, writeSensitivity, readSensitivity, baseRunsSha256, type SensitivityIdentity } from './sensitivity-file.js'
export { SensitivityError, PointRunError } from './errors.js'

/**
 * @packageDocumentation
 *
 * The experiment contract of Xenos: the testbed an experiment is written
 * against, measured values typed by unit and clock (`Quantity`), the result
 * file the runner writes (`ResultSet` of `RunRecord`s, schema version 1:
 * `results.json` for the testbed's clock, `wallclock.json` for the machine's
 * wall clock), the figure specs the reporter draws (`FigureSpec`, with the
 * paper's Figures 4-8 in `PAPER_FIGURES`) and the checked findings
 * (`FindingResult`). Documents
 * read from disk are validated with `validateResultSet` /
 * `parseResultSetJson`, which throw `ResultSetValidationError` naming the
 * file and the field.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 * import { parseResultSetJson, ResultSetValidationError } from '@xenos/experiment-interface'
 *
 * const path = 'results/paper/results.json'
 * try {
 *   const resultSet = parseResultSetJson(await readFile(path, 'utf8'), path)
 *   console.log(`${resultSet.runs.length} runs on ${resultSet.backend}`)
 * } catch (err) {
 *   if ((err as Error).name === ResultSetValidationError.name) console.error((err as Error).message)
 *   else throw err
 * }
 * ```
 */
export { RESULT_SCHEMA_VERSION } from './results.js'
export type { Backend, ParamValue, RunCounters, SoftwareInfo, PlatformInfo, RunRecord, ResultSet } from './results.js'
export { UNITS, MEASURED_ON, onTestbed, onWall, callTimes } from './quantity.js'
export type { Unit, MeasuredOn, Quantity, TestbedQuantity, WallQuantity, CallTimes } from './quantity.js'
export type { FigureSpec, FigureAxis, FigureSeries, FigurePanels } from './figures.js'
export { FINDING_STATUSES } from './findings.js'
export type { FindingResult, FindingStatus, FindingBasis } from './findings.js'
export { PAPER_FIGURES } from './paper-figures.js'
export * from './errors.js'
export {
  validateResultSet, parseResultSetJson, stringifyResultSet, validateFigureSpecs, validateFindingResults, validateSensitivityAnalysis, parseJson
} from './validate.js'
export { emptyCounters, validateJob, InvalidJobError } from './jobs.js'
export type { JobSpec, JobKind, JobCounters, JobPhases, JobResult } from './jobs.js'
export type {
  Testbed, TestbedCluster, TestbedFactory, JobRunOptions, DeploymentReport, DeployHadoopOptions, HadoopOverrides, DeployTemplateOptions,
  MigrationApi, MigrationStorage, ServiceMigrationResult, XenosMaster
} from './testbed.js'
export { measurement, toRunRecord } from './experiment.js'
export type { ExperimentDefinition, ExperimentContext, Measurement, MeasurementPoint } from './experiment.js'
export type { EstimateInfo, FindingSensitivity, FindingNotAnalysed, InputSensitivity, SensitivityAnalysis } from './sensitivity.js'

/**
 * @packageDocumentation
 * The paper's experiments, each written once against the backend-neutral
 * `Testbed` of `@xenos/experiment-interface`, the runner that repeats them
 * with seeds, the checks of the paper's findings, the simulated testbed,
 * and the real-hardware testbed (`xenTestbedFactory` over a testbed file:
 * the lab's coordinators through the Xenos API, Hadoop over SSH).
 *
 * @example
 * ```ts
 * import { EXPERIMENTS, runExperiments, simTestbedFactory, writeResultsAndReport } from '@xenos/experiments'
 *
 * const platformFile = 'packages/sim-engine/platforms/paper-2010.yaml'
 * const factory = await simTestbedFactory({ platformFile })
 * const resultSet = await runExperiments(EXPERIMENTS.filter(e => e.name === 'pi'), {
 *   backend: 'sim', factory, seed: 1, repetitions: 1, startedAt: new Date().toISOString(),
 *   platform: { name: 'paper-2010', file: platformFile, sha256: '0'.repeat(64) },
 *   software: { name: '@xenos/experiments', version: '0.1.0' }
 * })
 * await writeResultsAndReport('results/pi', resultSet)
 * ```
 */
export {
  EXPERIMENTS, experimentByName, UnknownExperimentError, hdfsDatasize, hdfsDatanodes, wordcount, sort, pi, deploy, masterMigration, hdfsOutsideVms,
  slots
} from './definitions/index.js'
export { UnsupportedTestbedError } from './definitions/deploy.js'
export { runExperiments, RunnerError, type RunOptions } from './runner.js'
export {
  openRunJournal, RunJournalError, JOURNAL_FILE, type RunJournal, type RunIdentity, type JournalStep, type OpenRunJournalOptions
} from './run-journal.js'
export { evaluateFindings } from './findings.js'
export { simTestbedFactory, platformAssumptions, type SimTestbedInit } from './testbeds/sim-testbed.js'
export { ExperimentsError, TestbedError } from './errors.js'
export { MasterMigrationError } from './definitions/master-migration.js'
export { ApiClusterError } from './testbeds/sim-api-cluster.js'
export { SimXenosError } from './testbeds/sim-xenos.js'
export { writeResultsAndReport } from './write-results.js'
export {
  runSensitivity, defaultSensitivityFindings, CONTROL_PLANE_EXPERIMENTS, analyseFinding, sensitivitySentence, inputReaches, planPoints,
  runPointHere, cachedPointRuns, workerPool,
  SENSITIVITY_FILE, writeSensitivity, readSensitivity, baseRunsSha256, SensitivityError, PointRunError
} from './sensitivity/index.js'
export type {
  SensitivityInit, FindingMargins, InputMargins, SensitivityPoint, PointJob, PointRunner, PointCache, WorkerPool, WorkerPoolInit, SensitivityIdentity
} from './sensitivity/index.js'
export { FINDINGS, judgeFinding, UnknownFindingError, type FindingInfo } from './findings.js'
export { xenTestbedFactory, loadXenTestbed, testbedCredentials, type XenTestbedInit, type XenLabTestbed } from './testbeds/xen-testbed.js'
export { parseXenTestbedFile, loadXenTestbedFile, xenTestbedFileSchema, hadoopConfDir, type XenTestbedFile } from './testbeds/xen-testbed-file.js'
export { XenTestbedError, SetupNotConfiguredError, MissingTokenError } from './testbeds/xen-errors.js'
export { TemplateAlreadyPresentError } from './testbeds/xen-deploy-template.js'
export { checkTestbedFor, preflightProblems, TestbedPreflightError } from './testbeds/xen-preflight.js'
export { checkPlatformFor, slaveHostsWanted, PlatformPreflightError } from './testbeds/platform-preflight.js'

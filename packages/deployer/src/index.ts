/**
 * @packageDocumentation
 * @xenos/deployer: the generic service deployer of Xenos. A deployment file
 * (template, how many hosts by search, hosts to exclude, instances per host,
 * groups and attributes) is made true through the Xenos API only: hosts are
 * found by search, the template is replicated where it is missing, instances
 * are created and started, and the deployer waits until they run. Running it
 * again changes nothing; `teardown` removes what it made. It knows Xenos only
 * through `DeployApi` (over `@xenos/core/client`), so it runs against real Xen
 * hosts or the simulated cluster alike. Hadoop's deployment is built on it in
 * `@xenos/hadoop-bench`; `@xenos/deployer/testing` holds an in-memory
 * `DeployApi` for tests.
 *
 * @example
 * ```ts
 * import { realClock } from '@xenos/hypervisor-interface'
 * import { xenosClient } from '@xenos/core/client'
 * import { Deployer, formatProgress, validateDeployment, xenosDeployApi, type DeployProgress } from '@xenos/deployer'
 *
 * const token = process.env.XENOS_TOKEN ?? ''
 * const client = xenosClient({ endpoints: ['http://127.0.0.1:7001/RPC2'], credentials: { scheme: 'bearer', token } })
 * const onProgress = (e: DeployProgress) => { console.log(formatProgress(e)) }
 * const deployer = new Deployer({ api: xenosDeployApi(client), clock: realClock(), onProgress })
 * const spec = validateDeployment({ deployment: 'web-farm', template: 'web', hosts: { count: 2 }, instancesPerHost: 2, groups: ['frontend'] })
 * const result = await deployer.deploy(spec)
 * console.log(`${result.instances.length} instances on ${result.hosts.join(', ')}`)
 * await deployer.teardown(spec.deployment)
 * client.close()
 * ```
 */
export {
  Deployer, instanceName, deploymentQuery, DEPLOYMENT_ATTRIBUTE, SLOT_ATTRIBUTE,
  type DeployProgress, type DeployedInstance, type DeploymentResult, type DeployerComponents, type DeployerInit
} from './deployer.js'
export type { DeployApi, DeployHost, DeployService, SearchResult, CreateOptions } from './deploy-api.js'
export { parseDeployment, loadDeployment, validateDeployment, deploymentSchema, type DeploymentSpec, type DeploymentInput } from './deployment-file.js'
export {
  DeployerError, DeploymentPlanError, DeploymentStepError, DeploymentTimeoutError, HostApiNotFoundError, IncompleteSearchError, type MadeSoFar
} from './errors.js'
export { formatProgress } from './progress.js'
export { xenosDeployApi, type XenosDeployApiInit } from './xenos-adapter.js'

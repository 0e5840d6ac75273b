/**
 * The generic service deployer (driven by a deployment file, using only
 * `DeployApi`) and its small Hadoop-specific part.
 */
export { Deployer, instanceName, deploymentQuery, DEPLOYMENT_ATTRIBUTE, SLOT_ATTRIBUTE, type DeployProgress, type DeployedInstance, type DeploymentResult, type DeployerComponents, type DeployerInit } from './deployer.js'
export type { DeployApi, DeployHost, DeployService, SearchResult, CreateOptions } from './deploy-api.js'
export { parseDeployment, loadDeployment, validateDeployment, deploymentSchema, type DeploymentSpec, type DeploymentInput } from './deployment-file.js'
export { DeploymentPlanError, DeploymentStepError, DeploymentTimeoutError, IncompleteSearchError, type MadeSoFar } from './errors.js'
export { hadoopDeployment, hadoopMasterDeployment, type HadoopMasterDeploymentInit, hadoopSettingsOf, hadoopLayouts, hadoopConfigFor, writeHadoopConfig, hadoopSettingsSchema, type HadoopDeploymentInit, type HadoopDeploymentSettings, type HadoopLayouts } from './hadoop.js'
export { formatProgress } from './progress.js'
export { xenosDeployApi, HostApiNotFoundError, type XenosDeployApiInit } from './xenos-adapter.js'

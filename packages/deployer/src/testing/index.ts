/**
 * `@xenos/deployer/testing`: an in-memory `DeployApi` for the tests of code
 * built on the deployer (hosts holding templates, services that boot on a
 * manual clock, searches through Xenos' query language, fault knobs).
 *
 * @example
 * ```ts
 * import { manualClock } from '@xenos/hypervisor-interface'
 * import { Deployer, validateDeployment } from '@xenos/deployer'
 * import { FakeDeployApi } from '@xenos/deployer/testing'
 *
 * const clock = manualClock()
 * const api = new FakeDeployApi(clock, ['node00', 'node01', 'node02'], { web: ['node00'] })
 * const spec = validateDeployment({ deployment: 'web', template: 'web', hosts: { count: 2, exclude: ['node00'] }, instancesPerHost: 1 })
 * const result = await new Deployer({ api, clock }).deploy(spec)
 * console.log(result.hosts) // ['node01', 'node02']
 * ```
 */
export { FakeDeployApi, type FaultKnob } from './fake-deploy-api.js'

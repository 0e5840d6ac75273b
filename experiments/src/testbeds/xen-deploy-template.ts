/**
 * `Testbed.deployTemplate` on real Xen hosts, through the Xenos API only:
 * the `Deployer` (`@xenos/deployer`) puts the method's template (held by the master
 * host only) and one instance on each of the first `hosts` slave hosts, the
 * per-host `xenos.replicateTemplate` carrying the method:
 * - `paper`: `whole-copy` from the master host alone (the paper's "whole
 *   image from one holder, then a local copy": xenos-core's file fetcher
 *   stages the image, then copies it locally);
 * - `xenos`: `chunked`, from every holder at once.
 *
 * Reported, on the wall clock: the time from the first API call to the
 * last instance running; the bytes the coordinators say they fetched; the
 * local copy bytes (the fetched bytes again for `whole-copy`, none for
 * `chunked`, by the fetcher's design, not measured); the mean per-host
 * replication rate (network and local copy together: one API call covers
 * both); the physical limit from the testbed file's `nicBps` and disk
 * rates; the control plane's call times (replication calls, which carry the
 * transfer, left out) and a probe of searches one at a time.
 */
import type { Clock } from '@xenos/hypervisor-interface'
import { callTimes, onTestbed, type CallTimes, type DeploymentReport } from '@xenos/experiment-interface'
import type { ReplicateResult, XenosClient } from '@xenos/core'
import { Deployer, validateDeployment, type DeployApi, type DeployProgress } from '@xenos/deployer'
import { CallTimer } from '@xenos/sim-engine'
import type { XenTestbedFile } from './xen-testbed-file.js'
import { XenTestbedError } from './xen-errors.js'

/** Every template name of the method is already on a target host: replicating it would move nothing. */
export class TemplateAlreadyPresentError extends XenTestbedError {
  constructor (readonly templates: readonly string[], readonly hosts: readonly string[]) {
    super(`deployTemplate: expected a template of ${templates.join(', ')} that no target host holds, found each already on some of ${hosts.join(', ')} `
      + '(the API cannot remove a replicated template: list one more name per repetition in deploy.templates, '
      + 'or remove them from those coordinators by hand; see docs/lab-guide.md section 7)')
  }
}

export interface XenDeployTemplateInit {
  file: XenTestbedFile
  fileName: string
  client: XenosClient
  api: DeployApi
  clock: Clock
  method: 'paper' | 'xenos'
  hosts: number
  /** Hosts the deployer works on at once. @default the deployer's (4) */
  concurrency?: number
  onProgress?: (event: DeployProgress) => void
}

export async function deployTemplateOnXen (init: XenDeployTemplateInit): Promise<DeploymentReport> {
  const { file, client, clock, method } = init
  const cfg = file.deploy
  if (cfg === undefined) {
    throw new XenTestbedError(`deployTemplate: expected a deploy: section in the testbed file ${init.fileName} (templates, nicBps, diskReadBps, diskWriteBps), `
      + 'found none')
  }
  const targets = file.slaveHosts.slice(0, init.hosts)
  const all = await client.searchHosts('', { deadlineMs: file.api.searchDeadlineMs })
  const byName = new Map(all.results.map(h => [h.hostname, h]))
  const involved = [file.masterHost, ...targets]
  const absent = involved.filter(h => byName.get(h) === undefined)
  if (absent.length > 0) {
    throw new XenTestbedError(`deployTemplate: expected coordinators on ${involved.join(', ')}, found none answering for ${absent.join(', ')}`)
  }
  const names = cfg.templates[method]
  const template = names.find(t => !targets.some(h => byName.get(h)?.templates.includes(t) === true))
  if (template === undefined) throw new TemplateAlreadyPresentError(names, targets.filter(h => names.some(t => byName.get(h)?.templates.includes(t) === true)))
  const masterTemplates = byName.get(file.masterHost)?.templates ?? []
  if (!masterTemplates.includes(template)) {
    const found = masterTemplates.join(', ') || 'no templates'
    throw new XenTestbedError(`deployTemplate ${method}: expected template ${template} on the master host ${file.masterHost}, found ${found}`)
  }

  // the control plane's calls, on this testbed's clock (the wall clock): `api:` during the deployment, `probe:` one at a time after it
  const times = new CallTimer()
  const timed = async <T>(label: string, f: () => Promise<T>): Promise<T> => await times.time(label, () => clock.nowS(), f)
  const replications: Array<{ host: string, result: ReplicateResult, durationS: number }> = []
  const options = method === 'paper' ? { holders: [file.masterHost], method: 'whole-copy' } : { method: 'chunked' }
  const api: DeployApi = {
    searchHosts: async q => await timed('api:searchHosts', async () => await init.api.searchHosts(q)),
    searchServices: async q => await timed('api:searchServices', async () => await init.api.searchServices(q)),
    async replicateTemplate (t, host) {
      const url = byName.get(host)?.apiUrl
      if (url === undefined || url === '') throw new XenTestbedError(`deployTemplate: expected host ${host} to advertise its API URL, found none`)
      const t0 = clock.nowS()
      const result = await client.callAt(url, 'xenos.replicateTemplate', [t, options]) as ReplicateResult
      replications.push({ host, result, durationS: clock.nowS() - t0 })
    },
    createInstance: async (t, h, o) => await timed('api:createInstance', async () => await init.api.createInstance(t, h, o)),
    startService: async id => await timed('api:startService', async () => await init.api.startService(id)),
    getService: async id => await timed('api:getService', async () => await init.api.getService(id)),
    destroyService: async (id) => { await timed('api:destroyService', async () => { await init.api.destroyService(id) }) }
  }
  const components = { api, clock, ...(init.onProgress !== undefined ? { onProgress: init.onProgress } : {}) }
  const deployer = new Deployer(components, { pollS: 1, ...(init.concurrency !== undefined ? { concurrency: init.concurrency } : {}) })
  const spec = validateDeployment({
    deployment: `template-${method}`, template,
    hosts: { count: targets.length, exclude: [...byName.keys()].filter(h => !targets.includes(h)) },
    instancesPerHost: 1, groups: [], attributes: { role: 'deploy-test' }
  })
  const t0 = clock.nowS()
  await deployer.deploy(spec)
  const durationS = clock.nowS() - t0
  for (let i = 0; i < 3; i++) {
    await timed('probe:searchHosts', async () => await init.api.searchHosts(''))
    await timed('probe:searchServices', async () => await init.api.searchServices('attributes.role=deploy-test'))
  }
  await deployer.teardown(spec.deployment)

  const fetched = replications.filter(r => !r.result.alreadyPresent)
  const networkBytes = sum(fetched.map(r => r.result.bytes))
  const localCopyBytes = method === 'paper' ? networkBytes : 0
  const rates = fetched.filter(r => r.durationS > 0).map(r => r.result.bytes / r.durationS)
  const perHostBytes = targets.length === 0 ? 0 : networkBytes / targets.length
  // The busiest resource: the master's link sends every byte once (whole-copy)
  // or at least one copy (chunked); each receiver takes its copy in and writes
  // it (and, for whole-copy, reads and writes it again for the local copy).
  const masterOutBytes = method === 'paper' ? networkBytes : Math.min(networkBytes, Math.max(0, ...fetched.map(r => r.result.bytes)))
  const physicalLimitS = Math.max(
    masterOutBytes / cfg.nicBps,
    perHostBytes / cfg.nicBps,
    perHostBytes / cfg.diskWriteBps + (method === 'paper' ? perHostBytes / cfg.diskReadBps + perHostBytes / cfg.diskWriteBps : 0)
  )
  const wallTimes = (prefix: string): CallTimes => callTimes(times.stats(prefix))
  return {
    method,
    hosts: targets.length,
    duration: onTestbed(durationS, 's'),
    networkBytes: onTestbed(networkBytes, 'B'),
    localCopyBytes: onTestbed(localCopyBytes, 'B'),
    physicalLimit: onTestbed(physicalLimitS, 's'),
    lowerBound: onTestbed(Math.max(perHostBytes / cfg.nicBps, perHostBytes / cfg.diskWriteBps), 's'),
    aggregateRate: onTestbed(durationS > 0 ? networkBytes / durationS : 0, 'B/s'),
    replicateRate: onTestbed(rates.length === 0 ? 0 : sum(rates) / rates.length, 'B/s'),
    // The lab's clock is the machine's wall clock too; these are control-plane call times, filed apart as on sim.
    controlPlane: wallTimes('api:'),
    probe: wallTimes('probe:')
  }
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0)

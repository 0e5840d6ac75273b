/**
 * The generic service deployer (the paper's "Hadoop deployer", of which
 * "only a small portion ... is Hadoop-specific"): from a deployment file it
 * finds hosts by search, replicates the template where it is missing,
 * creates and starts instances, waits until they run, and reports progress.
 *
 * It is idempotent: every instance it makes carries the attributes
 * `deployment=<name>` and `deploymentSlot=<n>` and a name derived from
 * them, and each run first searches for the deployment's instances, so a
 * second run finds everything in place and changes nothing. `teardown`
 * destroys every instance carrying the label.
 *
 * It uses only `DeployApi`, so it runs against real Xen or the simulated
 * cluster alike; waiting is done on the injected clock.
 *
 * @example
 * ```ts
 * const deployer = new Deployer({ api: xenosDeployApi(client), clock: realClock(), onProgress: e => console.log(formatProgress(e)) })
 * const result = await deployer.deploy(await loadDeployment('hadoop-vm2.yaml'))
 * await deployer.deploy(await loadDeployment('hadoop-vm2.yaml')) // changes nothing
 * await deployer.teardown(result.deployment)
 * ```
 */
import type { Clock } from '@xenos/hypervisor-interface'
import type { DeployApi, DeployHost, DeployService, SearchResult } from './deploy-api.js'
import type { DeploymentSpec } from './deployment-file.js'
import { DeploymentPlanError, DeploymentStepError, DeploymentTimeoutError, IncompleteSearchError, type MadeSoFar } from './errors.js'

export const DEPLOYMENT_ATTRIBUTE = 'deployment'
export const SLOT_ATTRIBUTE = 'deploymentSlot'

export type DeployProgress =
  | { kind: 'planned', deployment: string, hosts: string[], instances: number, existing: number }
  | { kind: 'replicated', host: string }
  | { kind: 'created', host: string, slot: number, serviceId: string, name: string }
  | { kind: 'running', host: string, slot: number, serviceId: string, started: boolean, done: number, total: number }
  | { kind: 'surplus', host: string, serviceId: string, name: string }
  | { kind: 'destroyed', host: string, serviceId: string, done: number, total: number }

export interface DeployedInstance {
  serviceId: string
  name: string
  host: string
  slot: number
  guestHostname: string
  /** Made by this run. */
  created: boolean
  /** Started by this run. */
  started: boolean
}

export interface DeploymentResult {
  deployment: string
  template: string
  /** The hosts chosen, in order. */
  hosts: string[]
  /** All instances of the deployment, by host order then slot. */
  instances: DeployedInstance[]
  /** Instances with the label that the deployment no longer wants (left alone; `teardown` removes them). */
  surplus: DeployService[]
  /** False when the run changed nothing. */
  changed: boolean
}

export interface DeployerComponents {
  api: DeployApi
  /** Waiting for instances to run is measured on this clock. */
  clock: Clock
  onProgress?: (event: DeployProgress) => void
}

export interface DeployerInit {
  /** Seconds between `getService` polls while waiting. @default 1 */
  pollS?: number
  /** Hosts worked on at once, unless the deployment file sets `concurrency`. @default 4 */
  concurrency?: number
}

/**
 * The instance name for a slot: `<deployment>-<host>-<slot>`, host dots made
 * dashes, at most 64 characters (a domain name), lower case (it becomes the
 * guest's host name, which Hadoop's slave list names).
 */
export function instanceName (deployment: string, host: string, slot: number): string {
  const h = host.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 64 - deployment.length - 6)
  return `${deployment}-${h}-${slot}`
}

export function deploymentQuery (deployment: string): string {
  return `attributes.${DEPLOYMENT_ATTRIBUTE}=${deployment}`
}

interface Slot { host: string, slot: number, existing?: DeployService }

export class Deployer {
  private readonly pollS: number
  private readonly concurrency: number

  constructor (private readonly components: DeployerComponents, init: DeployerInit = {}) {
    this.pollS = init.pollS ?? 1
    this.concurrency = init.concurrency ?? 4
    if (!(this.pollS > 0)) throw new RangeError(`pollS: expected a positive number, found ${init.pollS}`)
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError(`concurrency: expected a positive integer, found ${init.concurrency}`)
  }

  /** Makes the deployment true: what exists is kept, what is missing is made. */
  async deploy (spec: DeploymentSpec): Promise<DeploymentResult> {
    const { api } = this.components
    const hosts = await this.chooseHosts(spec)
    const existing = await this.existing(spec)
    const wanted = new Set<string>()
    const byHost = new Map<string, Slot[]>()
    for (const h of hosts) {
      const slots: Slot[] = []
      for (let slot = 0; slot < spec.instancesPerHost; slot++) {
        const key = `${h.hostname}#${slot}`
        wanted.add(key)
        const e = existing.get(key)
        slots.push({ host: h.hostname, slot, ...(e !== undefined ? { existing: e } : {}) })
      }
      byHost.set(h.hostname, slots)
    }
    const names = new Map<string, string>()
    for (const h of hosts) {
      for (let slot = 0; slot < spec.instancesPerHost; slot++) {
        const n = instanceName(spec.deployment, h.hostname, slot)
        const other = names.get(n)
        if (other !== undefined) {
          throw new DeploymentPlanError(spec.deployment, 'distinct instance names for every host and slot', `"${n}" for both ${other} and ${h.hostname}`)
        }
        names.set(n, h.hostname)
      }
    }
    const surplus = [...existing.entries()].filter(([k]) => !wanted.has(k)).map(([, s]) => s)
    const total = hosts.length * spec.instancesPerHost
    const toCreate = [...byHost.values()].flat().filter(s => s.existing === undefined).length
    this.emit({ kind: 'planned', deployment: spec.deployment, hosts: hosts.map(h => h.hostname), instances: total, existing: total - toCreate })
    for (const s of surplus) this.emit({ kind: 'surplus', host: s.host, serviceId: s.id, name: s.name })

    const made: MadeSoFar = { created: [], replicatedTo: [] }
    const results: DeployedInstance[] = []
    let done = 0
    const deployHost = async (host: DeployHost): Promise<void> => {
      const slots = byHost.get(host.hostname)!
      if (slots.some(s => s.existing === undefined) && !host.templates.includes(spec.template)) {
        await this.step(spec, 'replicate', host.hostname, undefined, made, () => api.replicateTemplate(spec.template, host.hostname))
        made.replicatedTo.push(host.hostname)
        this.emit({ kind: 'replicated', host: host.hostname })
      }
      for (const s of slots) {
        let service = s.existing
        let created = false
        if (service === undefined) {
          const name = instanceName(spec.deployment, s.host, s.slot)
          service = await this.step(spec, 'create', s.host, s.slot, made, () => api.createInstance(spec.template, s.host, {
            name,
            groups: [...spec.groups],
            attributes: { ...spec.attributes, [DEPLOYMENT_ATTRIBUTE]: spec.deployment, [SLOT_ATTRIBUTE]: String(s.slot) }
          }))
          created = true
          made.created.push(service.id)
          this.emit({ kind: 'created', host: s.host, slot: s.slot, serviceId: service.id, name: service.name })
        }
        let started = false
        if (service.state !== 'running') {
          if (service.state !== 'stopped' && service.state !== 'crashed') {
            const cause = new Error(`service ${service.id}: expected state stopped, crashed or running, found ${service.state}`)
            throw new DeploymentStepError(spec.deployment, 'start', s.host, s.slot, cause, made)
          }
          const id = service.id
          await this.step(spec, 'start', s.host, s.slot, made, () => api.startService(id))
          service = await this.step(spec, 'wait', s.host, s.slot, made, () => this.waitRunning(id, spec.startTimeoutS))
          started = true
        }
        done++
        this.emit({ kind: 'running', host: s.host, slot: s.slot, serviceId: service.id, started, done, total })
        results.push({ serviceId: service.id, name: service.name, host: s.host, slot: s.slot, guestHostname: service.guestHostname, created, started })
      }
    }
    await this.pool(hosts, deployHost, spec.deployment, made, spec.concurrency ?? this.concurrency)
    const order = new Map(hosts.map((h, i) => [h.hostname, i]))
    results.sort((a, b) => order.get(a.host)! - order.get(b.host)! || a.slot - b.slot)
    return {
      deployment: spec.deployment,
      template: spec.template,
      hosts: hosts.map(h => h.hostname),
      instances: results,
      surplus,
      changed: made.created.length > 0 || made.replicatedTo.length > 0 || results.some(r => r.started)
    }
  }

  /** Destroys every instance of the deployment; returns their ids. A second teardown finds none. */
  async teardown (deployment: string): Promise<string[]> {
    const found = this.complete(deployment, deploymentQuery(deployment), await this.components.api.searchServices(deploymentQuery(deployment)))
    const mine = found.filter(s => s.attributes[DEPLOYMENT_ATTRIBUTE] === deployment)
    const made: MadeSoFar = { created: [], replicatedTo: [] }
    const destroyed: string[] = []
    for (const s of mine) {
      await this.step({ deployment }, 'destroy', s.host, slotOf(s), made, () => this.components.api.destroyService(s.id))
      destroyed.push(s.id)
      this.emit({ kind: 'destroyed', host: s.host, serviceId: s.id, done: destroyed.length, total: mine.length })
    }
    return destroyed
  }

  private async chooseHosts (spec: DeploymentSpec): Promise<DeployHost[]> {
    const query = spec.hosts.query ?? ''
    const found = this.complete(spec.deployment, query, await this.components.api.searchHosts(query))
    const excluded = new Set(spec.hosts.exclude)
    const eligible = [...new Map(found.filter(h => !excluded.has(h.hostname)).map(h => [h.hostname, h])).values()]
      .sort((a, b) => a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0)
    const count = spec.hosts.count
    if (count !== undefined && eligible.length < count) {
      throw new DeploymentPlanError(spec.deployment,
        `${count} hosts matching "${query}" outside [${spec.hosts.exclude.join(', ')}]`,
        `${eligible.length} (${eligible.map(h => h.hostname).join(', ') || 'none'})`)
    }
    if (eligible.length === 0) throw new DeploymentPlanError(spec.deployment, `hosts matching "${query}"`, 'none')
    return count === undefined ? eligible : eligible.slice(0, count)
  }

  /** The deployment's instances by `host#slot`; refuses labels it cannot trust. */
  private async existing (spec: DeploymentSpec): Promise<Map<string, DeployService>> {
    const query = deploymentQuery(spec.deployment)
    const found = this.complete(spec.deployment, query, await this.components.api.searchServices(query))
    const byKey = new Map<string, DeployService>()
    for (const s of found) {
      if (s.attributes[DEPLOYMENT_ATTRIBUTE] !== spec.deployment) continue
      const slot = slotOf(s)
      if (slot === undefined) {
        throw new DeploymentPlanError(spec.deployment,
          `a ${SLOT_ATTRIBUTE} attribute on service ${s.id} (${s.name})`, JSON.stringify(s.attributes[SLOT_ATTRIBUTE] ?? null))
      }
      if (s.template !== spec.template) {
        throw new DeploymentPlanError(spec.deployment,
          `instances of template ${spec.template}`, `service ${s.id} (${s.name}) of template ${s.template} with the same label`)
      }
      const key = `${s.host}#${slot}`
      const other = byKey.get(key)
      if (other !== undefined) throw new DeploymentPlanError(spec.deployment, `one instance for ${s.host} slot ${slot}`, `${other.id} and ${s.id}`)
      byKey.set(key, s)
    }
    return byKey
  }

  private complete<R> (deployment: string, query: string, r: SearchResult<R>): R[] {
    if (r.nonResponders.length > 0) throw new IncompleteSearchError(deployment, query, r.nonResponders)
    return r.results
  }

  private async waitRunning (id: string, timeoutS: number): Promise<DeployService> {
    const { api, clock } = this.components
    const t0 = clock.nowS()
    for (;;) {
      const s = await api.getService(id)
      if (s.state === 'running') return s
      if (s.state === 'crashed' || s.state === 'vanished') throw new Error(`service ${id}: expected state running, found ${s.state}`)
      if (clock.nowS() - t0 >= timeoutS) throw new DeploymentTimeoutError(id, timeoutS, s.state)
      await clock.sleep(Math.min(this.pollS, Math.max(0, timeoutS - (clock.nowS() - t0))))
    }
  }

  private async step<T> (
    spec: { deployment: string }, step: DeploymentStepError['step'], host: string, slot: number | undefined, made: MadeSoFar, f: () => Promise<T>
  ): Promise<T> {
    try {
      return await f()
    } catch (e) {
      if (e instanceof DeploymentStepError) throw e
      throw new DeploymentStepError(spec.deployment, step, host, slot, e, made)
    }
  }

  /** Runs `work` over `hosts`, `concurrency` at a time; after a failure starts nothing new, lets the rest finish, throws the first. */
  private async pool (hosts: DeployHost[], work: (h: DeployHost) => Promise<void>, deployment: string, made: MadeSoFar, concurrency: number): Promise<void> {
    let next = 0
    const failures: DeploymentStepError[] = []
    const worker = async (): Promise<void> => {
      while (next < hosts.length && failures.length === 0) {
        const h = hosts[next++]!
        try {
          await work(h)
        } catch (e) {
          failures.push(e instanceof DeploymentStepError ? e : new DeploymentStepError(deployment, 'create', h.hostname, undefined, e, made))
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, worker))
    const first = failures[0]
    if (first !== undefined) {
      const madeSoFar = { created: [...made.created], replicatedTo: [...made.replicatedTo] }
      const alsoFailed = failures.slice(1).map(f => `${f.step} on ${f.host}${f.slot === undefined ? '' : ` slot ${f.slot}`}`)
      throw new DeploymentStepError(first.deployment, first.step, first.host, first.slot, first.cause, madeSoFar, alsoFailed)
    }
  }

  private emit (e: DeployProgress): void {
    this.components.onProgress?.(e)
  }
}

function slotOf (s: DeployService): number | undefined {
  const raw = s.attributes[SLOT_ATTRIBUTE]
  if (raw === undefined || !/^\d{1,2}$/.test(raw)) return undefined
  return Number(raw)
}

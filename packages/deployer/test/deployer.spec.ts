import { describe, expect, it } from 'vitest'
import { manualClock } from '@xenos/hypervisor-interface'
import { Deployer, instanceName, type DeployProgress } from '../src/deployer.js'
import { formatProgress } from '../src/progress.js'
import { parseDeployment, validateDeployment, type DeploymentInput } from '../src/deployment-file.js'
import { DeploymentPlanError, DeploymentStepError, DeploymentTimeoutError, IncompleteSearchError } from '../src/errors.js'
import { FakeDeployApi } from '../src/testing/index.js'

/** The paper's cluster: 13 hosts, node00 runs the master and takes no slaves. */
const HOSTS = Array.from({ length: 13 }, (_, i) => `node${String(i).padStart(2, '0')}`)

function setup (spec: Partial<DeploymentInput> = {}, holders = ['node00']) {
  const clock = manualClock()
  const api = new FakeDeployApi(clock, HOSTS, { 'hadoop-slave': holders })
  const events: DeployProgress[] = []
  const deployer = new Deployer({ api, clock, onProgress: e => events.push(e) }, { pollS: 1, concurrency: 3 })
  const deployment = validateDeployment({
    deployment: 'hadoop-vm2',
    template: 'hadoop-slave',
    hosts: { count: 12, exclude: ['node00'] },
    instancesPerHost: 2,
    groups: ['hadoop'],
    attributes: { role: 'slave' },
    ...spec
  })
  return { clock, api, events, deployer, deployment }
}

describe('Deployer.deploy', () => {
  it('VM2 on 13 hosts: 12 hosts x 2 running instances, none on the excluded master host, template replicated where missing', async () => {
    const { api, events, deployer, deployment } = setup()
    const r = await deployer.deploy(deployment)
    expect(r.hosts).toEqual(HOSTS.slice(1))
    expect(r.instances).toHaveLength(24)
    expect(r.instances.every(i => i.host !== 'node00')).toBe(true)
    expect(r.instances.every(i => i.created && i.started)).toBe(true)
    expect(r.changed).toBe(true)
    expect(r.instances[0]).toMatchObject({ host: 'node01', slot: 0, name: 'hadoop-vm2-node01-0', guestHostname: 'hadoop-vm2-node01-0' })
    const running = [...api.services.values()]
    expect(running.every(s => s.state === 'running')).toBe(true)
    expect(running[0]!.attributes).toEqual({ role: 'slave', deployment: 'hadoop-vm2', deploymentSlot: '0' })
    expect(running[0]!.groups).toEqual(['hadoop'])
    expect(api.mutations.filter(m => m.startsWith('replicateTemplate')).sort()).toEqual(HOSTS.slice(1).map(h => `replicateTemplate ${h}`))
    // progress: planned first, a running event per instance counting up to the total
    expect(events[0]).toEqual({ kind: 'planned', deployment: 'hadoop-vm2', hosts: HOSTS.slice(1), instances: 24, existing: 0 })
    const runningEvents = events.filter(e => e.kind === 'running')
    expect(runningEvents.map(e => e.kind === 'running' && e.done)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1))
    expect(events.filter(e => e.kind === 'replicated')).toHaveLength(12)
    expect(formatProgress(events[0]!)).toBe('deployment hadoop-vm2: 24 instance(s) on 12 host(s), 0 already there')
    expect(formatProgress(runningEvents.at(-1)!)).toMatch(/^\[24\/24\] svc-\d+ on node\d\d slot [01] started, running$/)
  })

  it('works on as many hosts at once as the deployment file\'s concurrency says, else the deployer\'s', async () => {
    const peak = async (spec: Partial<DeploymentInput>): Promise<number> => {
      const { api, deployer, deployment } = setup(spec)
      let inFlight = 0
      let most = 0
      const replicate = api.replicateTemplate.bind(api)
      api.replicateTemplate = async (t, h) => {
        most = Math.max(most, ++inFlight)
        try { await replicate(t, h) } finally { inFlight-- }
      }
      await deployer.deploy(deployment)
      return most
    }
    expect(await peak({})).toBe(3)
    expect(await peak({ concurrency: 12 })).toBe(12)
    expect(await peak({ concurrency: 1 })).toBe(1)
    expect(() => validateDeployment({ deployment: 'x', template: 't', hosts: { count: 1 }, instancesPerHost: 1, concurrency: 0 })).toThrow(/concurrency/)
  })

  it('is idempotent: a second run finds everything and changes nothing', async () => {
    const { api, deployer, deployment } = setup()
    const first = await deployer.deploy(deployment)
    const before = api.mutations.length
    const second = await deployer.deploy(deployment)
    expect(api.mutations.length).toBe(before)
    expect(second.changed).toBe(false)
    expect(second.instances.map(i => i.serviceId)).toEqual(first.instances.map(i => i.serviceId))
    expect(second.instances.every(i => !i.created && !i.started)).toBe(true)
  })

  it('a re-run repairs: restarts a stopped instance, recreates a destroyed one, touches nothing else', async () => {
    const { api, deployer, deployment } = setup()
    const first = await deployer.deploy(deployment)
    api.stop(first.instances[3]!.serviceId)
    await api.destroyService(first.instances[7]!.serviceId)
    api.mutations.length = 0
    const r = await deployer.deploy(deployment)
    expect(api.mutations).toEqual([
      `startService ${first.instances[3]!.serviceId}`,
      `createInstance ${first.instances[7]!.host} ${first.instances[7]!.name}`,
      expect.stringMatching(/^startService svc-/)
    ])
    expect(r.changed).toBe(true)
    expect(r.instances).toHaveLength(24)
  })

  it('host count and query: the first hosts by name that match and are not excluded', async () => {
    const { api, deployer, deployment } = setup({
      hosts: { count: 3, query: 'freeMemoryMiB>=2048 tag:cluster', exclude: ['node00', 'node02'] }, instancesPerHost: 1
    })
    api.hosts.get('node01')!.freeMemoryMiB = 512
    const r = await deployer.deploy(deployment)
    expect(r.hosts).toEqual(['node03', 'node04', 'node05'])
  })

  it('too few hosts is a plan error and nothing is made', async () => {
    const { api, deployer, deployment } = setup({ hosts: { count: 13, exclude: ['node00'] } })
    const e = await deployer.deploy(deployment).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(DeploymentPlanError)
    expect((e as Error).message).toMatch(/expected 13 hosts matching "" outside \[node00\], found 12/)
    expect(api.mutations).toEqual([])
  })

  it('a host that does not answer the search stops the deployment before anything is made', async () => {
    const { api, deployer, deployment } = setup()
    api.nonResponders = ['node05']
    await expect(deployer.deploy(deployment)).rejects.toBeInstanceOf(IncompleteSearchError)
    expect(api.mutations).toEqual([])
  })

  it('a failure mid-way names the step, host and slot, lists what was made; a re-run finishes the job', async () => {
    const { api, deployer, deployment } = setup({}, HOSTS)
    api.faults = [{ method: 'createInstance', host: 'node06', nth: 2, message: 'disk full on node06' }]
    const e = await deployer.deploy(deployment).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(DeploymentStepError)
    const se = e as DeploymentStepError
    expect(se.name).toBe('DeploymentStepError')
    expect(se).toMatchObject({ step: 'create', host: 'node06', slot: 1 })
    expect(se.message).toContain('create on node06 slot 1 failed: Error: disk full on node06')
    expect(se.message).toContain('run the deployment again to continue, or teardown')
    const madeIds = se.made.created
    expect(madeIds.length).toBeGreaterThan(0)
    expect(madeIds.every(id => api.services.has(id))).toBe(true)
    // hosts after the failure were not started on
    expect([...api.services.values()].some(s => s.host === 'node12')).toBe(false)
    api.faults = []
    api.mutations.length = 0
    const r = await deployer.deploy(deployment)
    expect(r.instances).toHaveLength(24)
    expect(api.mutations.filter(m => m.startsWith('createInstance'))).toHaveLength(24 - madeIds.length)
    expect(r.instances.filter(i => i.created).map(i => i.serviceId).some(id => madeIds.includes(id))).toBe(false)
  })

  it('an instance that never runs times out on the injected clock', async () => {
    const { api, clock, deployer, deployment } = setup({ startTimeoutS: 30, hosts: { count: 2, exclude: ['node00'] } })
    api.neverBoot.add('node02')
    const e = await deployer.deploy(deployment).catch((err: unknown) => err) as DeploymentStepError
    expect(e).toBeInstanceOf(DeploymentStepError)
    expect(e.step).toBe('wait')
    expect(e.host).toBe('node02')
    expect(e.cause).toBeInstanceOf(DeploymentTimeoutError)
    expect((e.cause as Error).message).toBe(`service ${(e.cause as DeploymentTimeoutError).serviceId}: expected state running within 30 s, found stopped`)
    expect(clock.nowS()).toBeGreaterThanOrEqual(30)
  })

  it('an instance that crashes while booting is reported, not waited for', async () => {
    const { api, deployer, deployment } = setup({ hosts: { count: 1, exclude: ['node00'] } })
    api.crashOnBoot.add('node01')
    await expect(deployer.deploy(deployment)).rejects.toThrow(/wait on node01 slot 0 failed: Error: service svc-1: expected state running, found crashed/)
  })

  it('a label on an instance of another template is refused', async () => {
    const { api, deployer, deployment } = setup()
    await api.createInstance('hadoop-slave', 'node00', { name: 'x', groups: [], attributes: { deployment: 'hadoop-vm2', deploymentSlot: '0' } })
    api.services.get('svc-1')!.template = 'web'
    await expect(deployer.deploy(deployment)).rejects.toThrow(/expected instances of template hadoop-slave, found service svc-1 \(x\) of template web/)
  })

  it('fewer instances per host later: the extra ones are reported as surplus, left alone, removed by teardown', async () => {
    const { api, events, deployer, deployment } = setup({ hosts: { count: 2, exclude: ['node00'] } })
    await deployer.deploy(deployment)
    const smaller = { ...deployment, instancesPerHost: 1 }
    const r = await deployer.deploy(smaller)
    expect(r.surplus.map(s => s.name).sort()).toEqual(['hadoop-vm2-node01-1', 'hadoop-vm2-node02-1'])
    expect(events.filter(e => e.kind === 'surplus')).toHaveLength(2)
    expect(api.services.size).toBe(4)
    expect(await deployer.teardown('hadoop-vm2')).toHaveLength(4)
  })
})

describe('Deployer.teardown', () => {
  it('removes exactly what the deployment made, and a second teardown finds nothing', async () => {
    const { api, deployer, deployment } = setup({ hosts: { count: 3, exclude: ['node00'] } })
    const other = await api.createInstance('hadoop-slave', 'node00', { name: 'master', groups: [], attributes: { role: 'master' } })
    const r = await deployer.deploy(deployment)
    const removed = await deployer.teardown('hadoop-vm2')
    expect(removed.sort()).toEqual(r.instances.map(i => i.serviceId).sort())
    expect([...api.services.keys()]).toEqual([other.id])
    expect(await deployer.teardown('hadoop-vm2')).toEqual([])
  })

  it('a failing destroy is a DeploymentStepError; the rest stays for a later teardown', async () => {
    const { api, deployer, deployment } = setup({ hosts: { count: 2, exclude: ['node00'] }, instancesPerHost: 1 })
    await deployer.deploy(deployment)
    api.faults = [{ method: 'destroyService', host: 'node02' }]
    await expect(deployer.teardown('hadoop-vm2')).rejects.toThrow(/destroy on node02 slot 0 failed/)
    api.faults = []
    expect(await deployer.teardown('hadoop-vm2')).toHaveLength(1)
    expect(api.services.size).toBe(0)
  })
})

describe('deployment file', () => {
  const TEXT = `deployment: hadoop-vm4
template: hadoop-slave
hosts:
  count: 12
  exclude: [node00]
instancesPerHost: 4
groups: [hadoop]
settings:
  hadoop: { setup: VM4, line: "1", master: master-vm }
`
  it('parses with defaults', () => {
    const d = parseDeployment(TEXT, 'vm4.yaml')
    expect(d).toMatchObject({ deployment: 'hadoop-vm4', instancesPerHost: 4, startTimeoutS: 300, attributes: {}, hosts: { count: 12, exclude: ['node00'] } })
  })

  it('errors name file, line, field, expected and found', () => {
    const parse = (text: string) => () => parseDeployment(text, 'vm4.yaml')
    expect(parse(TEXT.replace('instancesPerHost: 4', 'instancesPerHost: 0')))
      .toThrow(/vm4.yaml:6:\d+: instancesPerHost: expected a number >= 1, found number 0/)
    expect(parse(TEXT.replace('deployment: hadoop-vm4', 'deployment: Hadoop VM4'))).toThrow(/vm4.yaml:1:\d+: deployment: expected a deployment name/)
    expect(parse(TEXT.replace('  count: 12\n', ''))).toThrow(/vm4.yaml:4:\d+: hosts: expected a host count, a query, or both/)
    expect(parse(TEXT.replace('groups: [hadoop]', 'groups: [hadoop]\nattributes: { deployment: x }'))).toThrow(/attributes: expected no "deployment"/)
    expect(parse(`${TEXT}colour: blue\n`)).toThrow(/vm4.yaml:\d+:\d+: colour: expected only the documented fields, found unknown field "colour"/)
  })

  it('instance names are valid domain names, unique per host and slot', () => {
    expect(instanceName('hadoop-vm4', 'node01.cluster.example', 3)).toBe('hadoop-vm4-node01-cluster-example-3')
    expect(instanceName('abcdefghijklmnopqrstuvwx', 'h'.repeat(80), 9).length).toBeLessThanOrEqual(64)
  })
})

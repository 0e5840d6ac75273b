/**
 * The deployer against real Xenos: coordinators (libp2p overlay over
 * loopback, HTTP API) on simulated hosts of the paper's cluster
 * (sim-driver, paper-2010), reached only through `XenosClient` and
 * `xenosDeployApi`. The template starts on the master's host only.
 *
 * By default 5 hosts and VM2 (fast enough for CI). `XENOS_DEPLOY_FULL=1`
 * runs the paper's 13 hosts and deploys VM1, VM2 and VM4 in turn (12, 24
 * and 48 slave VMs, none on the master's host), each torn down after.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterAuthority, startXenosHost, xenosClient, type Credentials, type Principal, type TemplateConfig, type XenosClient, type XenosHost } from '@xenos/core'
import { realClock } from '@xenos/hypervisor-interface'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Deployer, validateDeployment, xenosDeployApi, type DeployProgress } from '@xenos/deployer'
import { hadoopConfigFor, hadoopDeployment } from '../src/hadoop-deployment.js'
import { SETUPS } from '../src/setups.js'

const platformFile = PAPER_PLATFORM_FILE
const FULL = process.env.XENOS_DEPLOY_FULL === '1'
const HOSTS = FULL ? 13 : 5
let sim: SimCluster
let dir: string
const hosts: XenosHost[] = []
let names: string[] = []
let client: XenosClient

const authenticate = (cred: Credentials): Principal => {
  if (cred.token !== 'tok-admin') throw new Error('expected the admin token, found another')
  return { user: 'root', role: 'admin' }
}

function slaveTemplate (): TemplateConfig {
  return {
    name: 'hadoop-slave',
    spec: { name: 'hadoop-slave', vcpus: 1, memoryMiB: 384, disks: [{ image: 'templates/hadoop-slave/xvda.img', target: 'xvda' }], boot: { kind: 'pvh', kernel: 'boot/vmlinuz' }, nics: [{ bridge: 'xenbr0' }] },
    images: [{ path: 'templates/hadoop-slave/xvda.img', sizeBytes: 2 * 1024 ** 3, target: 'xvda' }],
    groups: [], attributes: {}, endpoints: [], source: 'hadoop-slave.yaml:1'
  }
}

async function waitFor (check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

beforeAll(async () => {
  sim = new SimCluster({ platform: await loadPlatform(platformFile), seed: 3 })
  dir = await mkdtemp(join(tmpdir(), 'xenos-deploy-'))
  names = sim.hostnames().slice(0, HOSTS)
  const authority = await ClusterAuthority.create(join(dir, 'cluster'))
  for (const [i, name] of names.entries()) {
    const bootstrap = i === 0 ? [] : [hosts[0]!.node.multiaddrs()[0]!]
    hosts.push(await startXenosHost({
      dataDir: join(dir, name), trust: await authority.hostTrust(join(dir, name)), bootstrap,
      coordinator: { createMissingImages: true, searchDeadlineMs: 3000 }
    }, { driver: sim.driver(name), authenticate, configSource: { load: async () => ({ templates: i === 0 ? [slaveTemplate()] : [], services: [], problems: [] }) } }))
  }
  await waitFor(() => hosts.every(h => h.membership.members().length >= HOSTS - 1), 20_000, 'every host to know the others')
  client = xenosClient({ endpoints: [hosts[0]!.apiUrl], credentials: { scheme: 'bearer', token: 'tok-admin' }, timeoutMs: 20_000 })
})

afterAll(async () => {
  client?.close()
  for (const h of hosts) await h.stop()
  await sim?.close()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('the deployer on Xenos coordinators over simulated hosts', () => {
  it('deploys VM2 on the 4 hosts other than the master\'s, idempotently, then tears it down', async () => {
    const events: DeployProgress[] = []
    const deployer = new Deployer({ api: xenosDeployApi(client, { searchDeadlineMs: 3000 }), clock: realClock(), onProgress: e => events.push(e) }, { pollS: 0.1 })
    const spec = validateDeployment({
      deployment: 'hadoop-vm2', template: 'hadoop-slave',
      hosts: { count: HOSTS - 1, exclude: [names[0]!] }, instancesPerHost: 2, groups: ['hadoop'],
      settings: { hadoop: { setup: 'VM2', master: 'hadoop-master' } }
    })
    const r = await deployer.deploy(spec)
    expect(r.hosts.sort()).toEqual(names.slice(1).sort())
    expect(r.instances).toHaveLength((HOSTS - 1) * 2)
    expect(events.filter(e => e.kind === 'replicated')).toHaveLength(HOSTS - 1)
    const found = await client.searchServices('attributes.deployment=hadoop-vm2 state=running group:hadoop')
    expect(found.results).toHaveLength((HOSTS - 1) * 2)
    expect(new Set(found.results.map(s => s.host))).toEqual(new Set(names.slice(1)))
    expect(found.results.every(s => s.host !== names[0])).toBe(true)
    expect(hadoopConfigFor(r, spec).slaves.trim().split('\n')).toHaveLength((HOSTS - 1) * 2)

    const again = await deployer.deploy(spec)
    expect(again.changed).toBe(false)
    expect(again.instances.map(i => i.serviceId).sort()).toEqual(r.instances.map(i => i.serviceId).sort())

    const removed = await deployer.teardown('hadoop-vm2')
    expect(removed).toHaveLength((HOSTS - 1) * 2)
    expect((await client.searchServices('attributes.deployment=hadoop-vm2')).results).toEqual([])
    expect(await deployer.teardown('hadoop-vm2')).toEqual([])
  })

  it.runIf(FULL)('the paper\'s setups on 13 hosts: VM1, VM2, VM4', async () => {
    const deployer = new Deployer({ api: xenosDeployApi(client, { searchDeadlineMs: 3000 }), clock: realClock() }, { pollS: 0.1 })
    for (const id of ['VM1', 'VM2', 'VM4'] as const) {
      const setup = SETUPS[id]
      const spec = hadoopDeployment(setup, { template: 'hadoop-slave', hostCount: 12, masterHost: names[0]!, masterHostname: 'hadoop-master' })
      const t0 = Date.now()
      const r = await deployer.deploy(spec)
      const running = await client.searchServices(`attributes.deployment=${spec.deployment} state=running`)
      expect(running.results).toHaveLength(12 * setup.vmsPerHost)
      expect(running.results.some(s => s.host === names[0])).toBe(false)
      expect(hadoopConfigFor(r, spec).slaves.trim().split('\n')).toHaveLength(12 * setup.vmsPerHost)
      console.log(`${id}: ${r.instances.length} slave VMs deployed in ${((Date.now() - t0) / 1000).toFixed(1)} s (wall clock)`)
      expect(await deployer.teardown(spec.deployment)).toHaveLength(12 * setup.vmsPerHost)
    }
  }, 600_000)
})

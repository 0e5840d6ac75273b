/**
 * The deployer against real Xenos: five coordinators (libp2p overlay over
 * loopback, HTTP API) on simulated hosts of the paper's cluster
 * (sim-driver, paper-2010), reached only through `XenosClient` and
 * `xenosDeployApi`. The template starts on the master's host only; slaves
 * go on the four others.
 */
import { realClock } from '@xenos/hypervisor-interface'
import { startTestCluster, type TestCluster } from '@xenos/core/testing'
import type { TemplateConfig, XenosClient } from '@xenos/core'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Deployer, validateDeployment, xenosDeployApi, type DeployProgress } from '@xenos/deployer'
import { hadoopConfigFor, hadoopDeployment } from '../src/hadoop-deployment.js'
import { hadoopNodes, SETUPS } from '../src/setups.js'

const HOSTS = 5
let sim: SimCluster
let cluster: TestCluster
let names: readonly string[] = []
let client: XenosClient

function slaveTemplate (): TemplateConfig {
  return {
    name: 'hadoop-slave',
    spec: {
      name: 'hadoop-slave', vcpus: 1, memoryMiB: 384, disks: [{ image: 'templates/hadoop-slave/xvda.img', target: 'xvda' }],
      boot: { kind: 'pvh', kernel: 'boot/vmlinuz' }, nics: [{ bridge: 'xenbr0' }]
    },
    images: [{ path: 'templates/hadoop-slave/xvda.img', sizeBytes: 2 * 1024 ** 3, target: 'xvda' }],
    groups: [], attributes: {}, endpoints: [], source: 'hadoop-slave.yaml:1'
  }
}

beforeAll(async () => {
  sim = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 3 })
  cluster = await startTestCluster({
    hosts: sim.hostnames().slice(0, HOSTS).map((h, i) => ({
      driver: sim.driver(h), templates: i === 0 ? [slaveTemplate()] : [], init: { coordinator: { createMissingImages: true, searchDeadlineMs: 3000 } },
      components: { images: sim.imagePort(h) }
    }))
  })
  names = cluster.names
  client = cluster.client(0, undefined, { timeoutMs: 20_000 })
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
  await sim?.close()
})

describe('the deployer on Xenos coordinators over simulated hosts', () => {
  it('deploys VM2 on the 4 hosts other than the master\'s, idempotently, then tears it down', async () => {
    const events: DeployProgress[] = []
    const api = xenosDeployApi(client, { searchDeadlineMs: 3000 })
    const deployer = new Deployer({ api, clock: realClock(), onProgress: e => events.push(e) }, { pollS: 0.1 })
    const spec = validateDeployment({
      deployment: 'hadoop-vm2', template: 'hadoop-slave',
      hosts: { count: HOSTS - 1, exclude: [names[0]!] }, instancesPerHost: 2, groups: ['hadoop'],
      settings: { hadoop: { setup: 'VM2', master: 'hadoop-master' } }
    })
    const r = await deployer.deploy(spec)
    expect([...r.hosts].sort()).toEqual(names.slice(1).sort())
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

  it('deploys the paper\'s VM setups in turn (VM1, VM2, VM4) as the Hadoop deployment makes them: vmsPerHost slaves per host, none on the master\'s',
    async () => {
      const deployer = new Deployer({ api: xenosDeployApi(client, { searchDeadlineMs: 3000 }), clock: realClock() }, { pollS: 0.1 })
      const slaveHosts = HOSTS - 1
      for (const id of ['VM1', 'VM2', 'VM4'] as const) {
        const setup = SETUPS[id]
        const spec = hadoopDeployment(setup, { template: 'hadoop-slave', hostCount: slaveHosts, masterHost: names[0]!, masterHostname: 'hadoop-master' })
        const r = await deployer.deploy(spec)
        const running = await client.searchServices(`attributes.deployment=${spec.deployment} state=running`)
        expect(running.results).toHaveLength(hadoopNodes(setup, slaveHosts))
        for (const h of names.slice(1)) expect(running.results.filter(s => s.host === h)).toHaveLength(setup.vmsPerHost)
        expect(running.results.some(s => s.host === names[0])).toBe(false)
        expect(hadoopConfigFor(r, spec).slaves.trim().split('\n')).toHaveLength(hadoopNodes(setup, slaveHosts))
        expect(await deployer.teardown(spec.deployment)).toHaveLength(hadoopNodes(setup, slaveHosts))
      }
    }, 300_000)
})

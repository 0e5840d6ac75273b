/**
 * TEST ONLY: builds coordinators over a `FakeCluster` and a `LoopbackNet`,
 * each with its own temporary data directory and a static config source.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DomainSpec } from '@xenos/hypervisor-interface'
import { coordinator, type Coordinator, type ServiceConfig, type TemplateConfig } from '../../src/coordinator/index.js'
import { staticConfig } from '../../src/testing/static-config.js'
import { FakeCluster } from './fake-cluster.js'
import { LoopbackNet, fakeFetcher, type Caller } from './loopback.js'
import { queryMatcher } from '../../src/search/query.js'
import { idGenerator } from '../../src/ids.js'

export const GiB = 1024 ** 3
let bootSeq = 0

export function webTemplate (name = 'web', memoryMiB = 384): TemplateConfig {
  const spec: DomainSpec = {
    name: 'template', vcpus: 1, memoryMiB,
    disks: [{ image: `templates/${name}/xvda.img`, target: 'xvda' }],
    boot: { kind: 'pvh', kernel: 'boot/vmlinuz' },
    nics: [{ bridge: 'xenbr0' }]
  }
  return {
    name, spec, images: [{ path: `templates/${name}/xvda.img`, sizeBytes: 2 * GiB, target: 'xvda' }], groups: [`${name}-all`],
    attributes: { tier: 'front' }, endpoints: [{ protocol: 'http', port: 80 }], source: `${name}.yaml:1`
  }
}

export { staticConfig }

export interface TestHost { name: string, coordinator: Coordinator, dataDir: string, config: ReturnType<typeof staticConfig> }

export class Harness {
  readonly net = new LoopbackNet()
  readonly hosts = new Map<string, TestHost>()
  readonly fetchLog: string[] = []
  private dirs: string[] = []
  constructor (readonly cluster: FakeCluster) {}

  async add (name: string, templates: TemplateConfig[] = [], services: ServiceConfig[] = []): Promise<TestHost> {
    const dataDir = await mkdtemp(join(tmpdir(), `xenos-${name}-`))
    this.dirs.push(dataDir)
    return await this.open(name, dataDir, staticConfig(templates, services))
  }

  /** (Re)open a coordinator on `dataDir` (a restart when it was used before). */
  async open (name: string, dataDir: string, config = staticConfig([]), wire?: { apiUrl?: string, caller?: (c: Coordinator) => Caller }): Promise<TestHost> {
    const driver = this.cluster.driver(name)
    const c = coordinator({
      dataDir, createMissingImages: true, searchDeadlineMs: 500, adoptAfterMs: 0, migrationWatchMs: 50,
      ...(wire?.apiUrl === undefined ? {} : { apiUrl: wire.apiUrl }) })({
      driver, ids: idGenerator({ peerId: `peer-${name}-${++bootSeq}` }), matcher: queryMatcher(),
      network: this.net.network(name),
      fetcher: fakeFetcher(h => this.cluster.hosts.has(h) && !this.net.down.has(h) ? this.cluster.driver(h) : undefined, this.fetchLog),
      configSource: config
    })
    this.net.add(c, wire?.caller?.(c))
    await c.start()
    const host = { name, coordinator: c, dataDir, config }
    this.hosts.set(name, host)
    return host
  }

  /** Remove `dir` when the harness closes. */
  track (dir: string): void { this.dirs.push(dir) }

  get (name: string): Coordinator {
    const h = this.hosts.get(name)
    if (h === undefined) throw new Error(`no test host ${name}`)
    return h.coordinator
  }

  async close (): Promise<void> {
    for (const h of this.hosts.values()) await h.coordinator.stop()
    for (const d of this.dirs) await rm(d, { recursive: true, force: true })
  }
}

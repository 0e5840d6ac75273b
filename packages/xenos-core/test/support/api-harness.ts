/**
 * TEST ONLY: coordinators with their real API: a `MethodRegistry` with the
 * `xenos.*` methods behind the XML-RPC HTTP server on 127.0.0.1, and peer calls
 * between coordinators encoded as XML-RPC and dispatched through the
 * target's registry as libp2p calls would be (transport `libp2p`).
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { registerXenosApi } from '../../src/api/index.js'
import type { Coordinator, ServiceConfig, TemplateConfig } from '../../src/coordinator/index.js'
import { decodeMethodResponse } from '../../src/xmlrpc/decode.js'
import { encodeMethodCall } from '../../src/xmlrpc/encode.js'
import { createXmlRpcHttpServer, type XmlRpcHttpServer } from '../../src/xmlrpc/http-server.js'
import { MethodRegistry } from '../../src/xmlrpc/registry.js'
import type { XmlRpcValue } from '../../src/xmlrpc/values.js'
import { TEST_USERS, testAuthenticate } from '../../src/testing/test-users.js'
import { Harness, staticConfig, type TestHost } from './harness.js'
import type { FakeCluster } from './fake-cluster.js'

export class ApiHarness extends Harness {
  readonly servers = new Map<string, { server: XmlRpcHttpServer, url: string, registry: MethodRegistry }>()

  constructor (cluster: FakeCluster) { super(cluster) }

  async addApi (name: string, templates: TemplateConfig[] = [], services: ServiceConfig[] = []): Promise<TestHost & { url: string }> {
    const registry = new MethodRegistry()
    const server = createXmlRpcHttpServer({ registry, authenticate: testAuthenticate })
    const { url } = await server.listen(0, '127.0.0.1')
    const dataDir = await mkdtemp(join(tmpdir(), `xenos-api-${name}-`))
    this.track(dataDir)
    const host = await this.open(name, dataDir, staticConfig(templates, services), {
      apiUrl: url,
      caller: () => async (method: string, params: unknown[]) => {
        const xml = encodeMethodCall(method, params as XmlRpcValue[])
        const res = decodeMethodResponse(await registry.dispatchText(xml, { transport: 'libp2p', remotePeer: `peer-of-caller` }))
        if (res.kind === 'fault') throw res.fault
        return res.value
      }
    })
    const users = { exists: (user: string) => Object.values(TEST_USERS).some(p => p.user === user) }
    registerXenosApi(registry, { coordinator: host.coordinator, authenticate: async c => testAuthenticate(c), users })
    this.servers.set(name, { server, url, registry })
    return { ...host, url }
  }

  url (name: string): string {
    const s = this.servers.get(name)
    if (s === undefined) throw new Error(`no API for ${name}`)
    return s.url
  }

  /** Stop a host's API server (the host "disappears" for clients). */
  async kill (name: string): Promise<void> {
    await this.servers.get(name)?.server.close()
    this.net.down.add(name)
  }

  override async close (): Promise<void> {
    for (const s of this.servers.values()) await s.server.close()
    await super.close()
  }
}

export type { Coordinator }

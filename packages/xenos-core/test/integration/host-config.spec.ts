/**
 * A host started from host.yaml (`loadHostConfig`) as `xenos coordinator` does:
 * the cluster's credentials and its admission record, cluster tokens, the
 * service directory with one broken file, the API driven by Python's
 * standard xmlrpc.client, a watchdog written to while it runs and disarmed
 * when it stops, and a restart that keeps ids.
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterAuthority, hostIdentityDir, peerIdOfIdentity } from '../../src/trust/index.js'
import { loadHostConfig } from '../../src/config/host-config.js'
import { startHostFromConfig } from '../../src/coordinator/index.js'
import { xenosClient } from '../../src/api/index.js'
import { driverRegistry } from '../../src/config/driver-registry.js'
import { FakeCluster, fakeDriverPlugin } from '../support/fake-cluster.js'
import type { SignedDocument } from '../../src/trust/index.js'

const run = promisify(execFile)
const hasPython = spawnSync('python3', ['--version']).status === 0
let dir: string
let adminToken: string
let aliceToken: string
let admission: SignedDocument
const cluster = new FakeCluster([{ name: 'h01' }])
const drivers = driverRegistry([fakeDriverPlugin(cluster)])

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-hostcfg-'))
  await mkdir(join(dir, 'services'))
  await writeFile(join(dir, 'host.yaml'), `hostname: h01
driver: { kind: fake }
dataDir: data
servicesDir: services
api: { listen: "127.0.0.1:0" }
cluster: cluster
tags: [lab]
failover: { watchdog: { device: ${join(dir, 'watchdog')}, timeoutS: 5 } }
`)
  await writeFile(join(dir, 'services', 'web.yaml'), `kind: template
name: web
vcpus: 1
memoryMiB: 256
disks: [{ image: templates/web/xvda.img, target: xvda, sizeBytes: 1073741824 }]
boot: { kind: pvh, kernel: boot/vmlinuz }
nics: [{ bridge: xenbr0 }]
groups: [web]
`)
  await writeFile(join(dir, 'services', 'web-1.yaml'), 'kind: service\nname: web-1\ntemplate: web\nowner: alice\nautostart: true\n')
  await writeFile(join(dir, 'services', 'broken.yaml'), 'kind: service\nname: broken\ntemplate: web\nmemoryMiB: 4\n')
  const authority = await ClusterAuthority.create(join(dir, 'cluster'))
  adminToken = authority.issueToken('root', 'admin').token
  aliceToken = authority.issueToken('alice', 'user').token
  admission = authority.admit(await peerIdOfIdentity(hostIdentityDir(join(dir, 'data'))), 'h01')
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('a host from host.yaml', () => {
  it('loads services, reports the broken file with its line, serves Python, and keeps ids over a restart', async () => {
    const config = await loadHostConfig(join(dir, 'host.yaml'), drivers)
    const notAdmitted = /expected this host's admission record, found none: admit peer id 12D3/
    await expect(startHostFromConfig(config, { drivers })).rejects.toThrow(notAdmitted)
    await writeFile(config.admission, JSON.stringify(admission))
    const host = await startHostFromConfig(config, { drivers })
    const c = host.coordinator
    expect(c.getService('web-1')).toMatchObject({ state: 'running', owner: 'alice', groups: ['web'] })
    const problem = c.events(0).events.find(e => e.kind === 'config-error')
    expect(problem?.subject).toMatch(/broken\.yaml/)
    expect(problem?.detail).toMatch(/broken\.yaml:4:\d+: memoryMiB: expected/)
    const id = c.getService('web-1').id

    const script = `
import sys, xmlrpc.client
url = sys.argv[1].replace('http://', 'http://alice:' + sys.argv[2] + '@')
api = xmlrpc.client.ServerProxy(url, allow_none=True)
print(api.xenos.hostInfo()['hostname'])
print(api.xenos.getService('web-1')['state'])
try:
    api.xenos.replicateTemplate('web')
except xmlrpc.client.Fault as f:
    print(f.faultCode)
`
    if (hasPython) { // the same calls through the TypeScript client are checked in api.spec.ts
      const out = (await run('python3', ['-c', script, host.apiUrl, aliceToken])).stdout
      expect(out.trim().split('\n')).toEqual(['h01', 'running', '403'])
    }

    const admin = xenosClient({ endpoints: [host.apiUrl], credentials: { scheme: 'bearer', token: adminToken } })
    expect((await admin.hostInfo()).tags).toEqual(['lab'])
    // an administrator fixes the broken file and asks for a reload; a user may not
    await writeFile(join(dir, 'services', 'broken.yaml'), 'kind: service\nname: broken\ntemplate: web\nmemoryMiB: 64\n')
    const alice = xenosClient({ endpoints: [host.apiUrl], credentials: { scheme: 'bearer', token: aliceToken } })
    await expect(alice.call('xenos.reload')).rejects.toMatchObject({ faultCode: 403 })
    alice.close()
    expect(await admin.call('xenos.reload')).toMatchObject({ problems: [] })
    expect(c.getService('broken')).toMatchObject({ state: 'stopped', memoryMiB: 64 })
    admin.close()
    await host.stop()
    // armed by the running coordinator, disarmed by its stop (the magic close)
    expect(await readFile(join(dir, 'watchdog'), 'utf8')).toMatch(/^\n+V$/)

    const again = await startHostFromConfig(config, { drivers })
    expect(again.coordinator.getService('web-1')).toMatchObject({ id, state: 'running' })
    expect(again.coordinator.bootCount).toBe(2)
    expect(again.peerId).toBe(host.peerId)
    await again.stop()
  })
})

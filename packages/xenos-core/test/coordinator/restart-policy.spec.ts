/**
 * A service's restart policy: set from its config file (the file stays its
 * source: a policy removed from the file is removed) or through the
 * coordinator, checked at the boundary, persisted with its generation.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serviceConfigSource } from '../../src/config/service-loader.js'
import { coordinator, type Coordinator } from '../../src/coordinator/index.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { counterIds, simpleMatcher } from '../support/loopback.js'

const TEMPLATE = `kind: template
name: web
vcpus: 1
memoryMiB: 128
disks: [{ image: templates/web/xvda.img, target: xvda, sizeBytes: 1073741824 }]
boot: { kind: pvh, kernel: boot/vmlinuz }
`

let dir: string
let services: string
let cluster: FakeCluster
let c: Coordinator
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-restart-policy-'))
  services = join(dir, 'services')
  await mkdir(services)
  await writeFile(join(services, 'web.yaml'), TEMPLATE)
  cluster = new FakeCluster([{ name: 'h1' }])
})
afterEach(async () => {
  await c?.stop()
  await rm(dir, { recursive: true, force: true })
})

async function start (): Promise<Coordinator> {
  c = coordinator({ dataDir: join(dir, 'data'), createMissingImages: true })({
    driver: cluster.driver('h1'), ids: counterIds('a'), matcher: simpleMatcher, configSource: serviceConfigSource(services)
  })
  await c.start()
  return c
}

describe('restart policy', () => {
  it('comes from the service file, survives a restart, and goes when the file drops it', async () => {
    await writeFile(join(services, 's1.yaml'), 'kind: service\nname: s1\ntemplate: web\nrestart: { mode: resume, checkpointIntervalS: 10, replicas: 3 }\n')
    await start()
    expect(c.getService('s1')).toMatchObject({ restart: { mode: 'resume', placement: '', checkpointIntervalS: 10, replicas: 3 }, generation: 1 })
    await c.stop()
    await start()
    expect(c.getService('s1').restart?.mode).toBe('resume')
    await writeFile(join(services, 's1.yaml'), 'kind: service\nname: s1\ntemplate: web\n')
    await c.reload()
    expect(c.getService('s1').restart).toBeUndefined()
  })

  it('is set through the coordinator with defaults filled, an event, and refused field by field', async () => {
    await start()
    const s = await c.createInstance('web', { name: 'w1' })
    expect(s.restart).toBeUndefined()
    const set = await c.setRestartPolicy('w1', { mode: 'restart', placement: 'freeMemoryMiB>=512' })
    expect(set).toMatchObject({ restart: { mode: 'restart', placement: 'freeMemoryMiB>=512', checkpointIntervalS: 60, replicas: 2 }, generation: 1 })
    expect(c.events(0).events.filter(e => e.kind === 'policy-set').map(e => e.detail)).toEqual(['restart, on freeMemoryMiB>=512'])
    await expect(c.setRestartPolicy('w1', { mode: 'resume', replicas: 99 })).rejects.toThrow('policy.replicas: expected an integer from 1 to 16, found 99')
    await expect(c.setRestartPolicy('w1', { mode: 'resume', placement: 'a=' })).rejects.toThrow(/policy\.placement: expected a host search query/)
    expect(c.getService('w1').restart?.mode).toBe('restart')
  })
})

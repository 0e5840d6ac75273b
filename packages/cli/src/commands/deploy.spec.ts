/**
 * `xenos deploy` and `xenos teardown` against real coordinators (libp2p on
 * loopback, XML-RPC API) on three simulated hosts: the template starts on
 * the first host only, which the deployment excludes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestCluster, TEST_TOKENS, type TestCluster } from '@xenos/core/testing'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProgram } from '../program.js'
import { deployCommands } from './deploy.js'

let dir = ''
let sim: SimCluster
let cluster: TestCluster
let names: readonly string[] = []

async function run (argv: string[]): Promise<{ out: string, error?: Error }> {
  let out = ''
  const program = buildProgram([(p) => { deployCommands(p, { out: (s) => { out += s } }) }], { out: (s) => { out += s }, err: (s) => { out += s } })
  try {
    const connection = argv.includes('--help') ? [] : ['--api', cluster.hosts[0]!.apiUrl, '--token', TEST_TOKENS.root, '--poll', '0.05']
    await program.parseAsync(['node', 'xenos', ...argv, ...connection])
    return { out }
  } catch (error) {
    return { out, error: error as Error }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-cli-deploy-'))
  sim = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 1 })
  const web = {
    name: 'web',
    spec: {
      name: 'web', vcpus: 1, memoryMiB: 256, disks: [{ image: 'templates/web/xvda.img', target: 'xvda' }],
      boot: { kind: 'pvh' as const, kernel: 'boot/vmlinuz' }, nics: [{ bridge: 'xenbr0' }]
    },
    images: [{ path: 'templates/web/xvda.img', sizeBytes: 16 * 1024 * 1024, target: 'xvda' }],
    groups: [], attributes: {}, endpoints: [], source: 'web.yaml:1'
  }
  cluster = await startTestCluster({
    hosts: sim.hostnames().slice(0, 3).map((h, i) => ({
      driver: sim.driver(h), templates: i === 0 ? [web] : [], init: { coordinator: { createMissingImages: true, searchDeadlineMs: 3000 } },
      components: { images: sim.imagePort(h) }
    }))
  })
  names = cluster.names
})

afterAll(async () => {
  await cluster?.stop()
  await sim?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('xenos deploy / teardown', () => {
  it('makes a deployment file true, changes nothing the second time, and tears it down', async () => {
    const file = join(dir, 'web.yaml')
    await writeFile(file, `deployment: web-farm\ntemplate: web\nhosts:\n  count: 2\n  exclude: [${names[0]}]\ninstancesPerHost: 2\ngroups: [frontend]\n`)
    const first = await run(['deploy', file])
    expect(first.error).toBeUndefined()
    expect(first.out).toContain(`template replicated to ${names[1]}`)
    expect(first.out).toMatch(/\[4\/4\]/)
    expect(first.out).toMatch(/deployment web-farm \(web\): 4 instance\(s\) on 2 host\(s\)\n/)
    expect(first.out.match(/ created\n/g)?.length).toBe(4)

    const again = await run(['deploy', file])
    expect(again.error).toBeUndefined()
    expect(again.out).toContain('4 instance(s) on 2 host(s), nothing changed')
    expect(again.out).not.toContain('replicated')

    const down = await run(['teardown', 'web-farm'])
    expect(down.error).toBeUndefined()
    expect(down.out).toContain('deployment web-farm: 4 instance(s) destroyed')
    expect((await run(['teardown', 'web-farm'])).out).toContain('0 instance(s) destroyed')
  })

  it('names the file, line and field of a bad deployment file', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'deployment: web-farm\ntemplate: web\nhosts: { count: 2 }\ninstancesPerHost: zero\n')
    const r = await run(['deploy', file])
    expect(r.error?.message).toMatch(/bad\.yaml:4/)
    expect(r.error?.message).toMatch(/instancesPerHost/)
  })

  it('documents both commands', async () => {
    expect((await run(['deploy', '--help'])).out).toMatch(/deployment file/)
    expect((await run(['teardown', '--help'])).out).toMatch(/attributes\.deployment=NAME/)
  })
})

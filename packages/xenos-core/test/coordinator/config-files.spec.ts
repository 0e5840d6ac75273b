/**
 * The coordinator over a real services directory: problems in the files are
 * reported with file, line, column and field, and a name defined by two
 * files never silently replaces what runs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serviceConfigSource } from '../../src/config/service-loader.js'
import { coordinator, type Coordinator } from '../../src/coordinator/index.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { counterIds, simpleMatcher } from '../support/loopback.js'

const template = (memoryMiB: number): string => `kind: template
name: web
vcpus: 1
memoryMiB: ${memoryMiB}
disks: [{ image: templates/web/xvda.img, target: xvda, sizeBytes: 1073741824 }]
boot: { kind: pvh, kernel: boot/vmlinuz }
`

let dir: string
let services: string
let c: Coordinator
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-config-files-'))
  services = join(dir, 'services')
  await import('node:fs/promises').then(async (fs) => { await fs.mkdir(services) })
})
afterEach(async () => {
  await c?.stop()
  await rm(dir, { recursive: true, force: true })
})

async function start (): Promise<Coordinator> {
  c = coordinator({ dataDir: join(dir, 'data'), createMissingImages: true })({
    driver: new FakeCluster([{ name: 'h1' }]).driver('h1'), ids: counterIds('a'), matcher: simpleMatcher, configSource: serviceConfigSource(services)
  })
  await c.start()
  return c
}

describe('config files', () => {
  it('keep the running template when a second file defines the same name, and name both files with their lines', async () => {
    await writeFile(join(services, 'web.yaml'), template(128))
    await start()
    expect(c.getTemplate('web').spec.memoryMiB).toBe(128)
    // a new file that sorts first defines "web" again, smaller
    await writeFile(join(services, 'a-web.yaml'), `# a copy\n${template(64)}`)
    const r = await c.reload()
    expect(c.getTemplate('web').spec.memoryMiB).toBe(128)
    expect(r?.templates).toEqual([])
    expect(r?.problems.map(p => [p.file, p.line, p.column, p.field])).toEqual([
      [join(services, 'a-web.yaml'), 3, 7, 'name'],
      [join(services, 'web.yaml'), 2, 7, 'name']
    ])
    expect(r?.problems[0]?.message)
      .toMatch(/a-web.yaml:3:7: name: expected a template name defined by one file only, found "web", also defined at .*web.yaml:2:7/)
    expect(r?.problems[1]?.message).toMatch(/web.yaml:2:7: name: .*also defined at .*a-web.yaml:3:7/)
    expect(c.events(0).events.filter(e => e.kind === 'config-error').map(e => e.subject)).toEqual([join(services, 'a-web.yaml'), join(services, 'web.yaml')])
  })

  it('report a service naming an unknown template at the line of its template field', async () => {
    await writeFile(join(services, 'web.yaml'), template(128))
    await writeFile(join(services, 'svc.yaml'), 'kind: service\nname: svc\n# which template\ntemplate:   nope\n')
    const r = (await start(), await c.reload())
    expect(r?.problems).toHaveLength(1)
    expect(r?.problems[0]).toMatchObject({ file: join(services, 'svc.yaml'), line: 4, column: 13, field: 'template' })
    expect(r?.problems[0]?.message).toMatch(/svc.yaml:4:13: template: expected a template "nope" on host h1/)
  })
})

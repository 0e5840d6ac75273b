/**
 * The Xen driver as the coordinator's plugin: its host file options
 * (defaults, paths made absolute, how migrations reach other hosts, what it
 * refuses at which field) and the driver it makes of them, on the `xl` test
 * double.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { xenDriverPlugin } from '../src/index.js'
import { DOUBLE_BIN, XlDouble } from './xl-double.js'

const schema = xenDriverPlugin.optionsSchema({ resolvePath: p => p.startsWith('/') ? p : `/tb/${p}` })

describe('the xen driver plugin\'s options', () => {
  it('fill their defaults around the image folder', () => {
    expect(xenDriverPlugin.kind).toBe('xen')
    expect(schema.parse({ imageDir: '/var/lib/xen/images' })).toEqual({
      xlPath: 'xl', xentopPath: 'xentop', imageDir: '/var/lib/xen/images', bridge: 'xenbr0', sudo: false, commandTimeoutS: 120, createTimeoutS: 300,
      migration: { sshCommand: 'ssh', transfer: 'scp', targets: {}, timeoutS: 900 }
    })
  })

  it('read Domain 0\'s folders, relative to the host file, and how migrations reach other hosts', () => {
    expect(schema.parse({
      xlPath: 'bin/xl', xentopPath: false, imageDir: 'share/a/images', hostDir: 'share/a/host', checkpointDir: '/var/lib/xenos/checkpoints',
      createTimeoutS: 900,
      migration: { sshCommand: '', receiver: 'nc {host} 5000', transfer: 'local', targets: { b: { address: '10.77.0.2', imageDir: 'share/b/images' } } }
    })).toEqual({
      xlPath: 'bin/xl', xentopPath: false, imageDir: '/tb/share/a/images', hostDir: '/tb/share/a/host',
      checkpointDir: '/var/lib/xenos/checkpoints', bridge: 'xenbr0', sudo: false, commandTimeoutS: 120, createTimeoutS: 900,
      migration: {
        sshCommand: '', receiver: 'nc {host} 5000', transfer: 'local', targets: { b: { address: '10.77.0.2', imageDir: '/tb/share/b/images' } }, timeoutS: 900
      }
    })
  })

  it('refuse a missing image folder, a migration without a way to the target and a malformed address, each at its field', () => {
    expect(schema.safeParse({}).error?.issues.map(i => i.path.join('.'))).toEqual(['imageDir'])
    const r = schema.safeParse({ imageDir: '/i', migration: { sshCommand: '', targets: { b: { address: '10.0.0.2; rm' } } } })
    expect(r.error?.issues.map(i => i.path.join('.')).sort()).toEqual(['migration.receiver', 'migration.targets.b.address'])
    expect(r.error?.issues.find(i => i.path.at(-1) === 'receiver')?.message).toBe('a receiver command when sshCommand is "" (for example "nc {host} 5000")')
  })
})

describe('the xen driver plugin\'s driver', () => {
  let double: XlDouble
  let dataDir: string
  beforeAll(async () => {
    double = await XlDouble.create()
    await double.addHost('h1')
    dataDir = await mkdtemp(join(tmpdir(), 'xen-plugin-'))
  })
  afterAll(async () => {
    delete process.env.XL_DOUBLE_HOST
    await double.dispose()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('drives the host\'s xl, keeps its records under the data directory, and says its images are files under imageDir', async () => {
    process.env.XL_DOUBLE_HOST = 'h1'
    const imageDir = join(double.root, 'images-h1')
    const options = schema.parse({ imageDir, xlPath: join(DOUBLE_BIN, 'xl'), xentopPath: join(DOUBLE_BIN, 'xentop') })
    const made = await xenDriverPlugin.create(options, { dataDir, file: '/tb/a.yaml', hostname: 'a' })
    expect(made.driver).toMatchObject({ backend: 'xen', hostname: 'a', clockKind: 'wall' })
    expect(made.images).toEqual({ kind: 'files', imageDir })
    expect((await made.driver.hostFacts()).memory.totalMiB).toBe(2048)
    await made.close()
  })
})

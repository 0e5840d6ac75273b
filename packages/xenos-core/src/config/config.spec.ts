import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, ConfigFileError } from '@xenos/config-file'
import { z } from 'zod'
import type { DriverPlugin } from '@xenos/hypervisor-interface'
import { driverRegistry } from './driver-registry.js'
import { loadHostConfig, parseHostConfig, parseListenAddress } from './host-config.js'
import { loadServiceConfigDir, parseServiceConfigFile } from './service-loader.js'
import { hostInitFromConfig } from '../coordinator/host-from-config.js'

const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

/** Two drivers as driver packages write their plugins: options with defaults and a path, and options with a required field. */
const labPlugin: DriverPlugin<{ platform?: string, seed: number, host?: string }> = {
  kind: 'lab',
  description: 'a test host',
  optionsSchema: ({ resolvePath }) => z.strictObject({
    platform: z.string().min(1).transform(resolvePath).optional(),
    seed: z.int().min(0).default(1),
    host: z.string().optional()
  }),
  create: async () => { throw new Error('no driver is made in these tests') }
}
const diskPlugin: DriverPlugin<{ imageDir: string }> = {
  kind: 'disk',
  description: 'a test host with files',
  optionsSchema: ({ resolvePath }) => z.strictObject({ imageDir: z.string().min(1).transform(resolvePath) }),
  create: async () => { throw new Error('no driver is made in these tests') }
}
const DRIVERS = driverRegistry([labPlugin, diskPlugin])

function hostErrors (text: string): ConfigError[] {
  try { parseHostConfig(text, '/etc/xenos/host.yaml', DRIVERS) } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError)
    return (err as ConfigFileError).errors
  }
  throw new Error('expected the host file to be refused')
}

const TEMPLATE = `kind: template
name: hadoop-slave
vcpus: 1
memoryMiB: 256
disks:
  - image: templates/hadoop-slave/root.img
    target: xvda
    sizeBytes: 1073741824
boot: { kind: pvh, kernel: /boot/vmlinuz }
nics: [{ bridge: xenbr0 }]
groups: [hadoop]
attributes: { role: slave, slots: 4 }
endpoints: [{ protocol: http, port: 50060 }]
`

describe('host.yaml', () => {
  it('reads a full host file, fills defaults and makes paths absolute, the driver\'s options by its plugin', () => {
    const c = parseHostConfig(`hostname: h01
driver:
  kind: lab
  options: { platform: platform.yaml, seed: 7, host: h01 }
listen: [/ip4/127.0.0.1/tcp/4001]
bootstrap: [/ip4/127.0.0.1/tcp/4002/p2p/${PEER}]
dataDir: data
servicesDir: /srv/services
api: { listen: "127.0.0.1:7001" }
cluster: cluster
tags: [ssd, rack1]
membership: { probeIntervalMs: 500, suspicionMult: 2, redialIntervalMs: 1000 }
`, '/etc/xenos/host.yaml', DRIVERS)
    expect(c.driver).toEqual({ kind: 'lab', options: { platform: '/etc/xenos/platform.yaml', seed: 7, host: 'h01' } })
    expect(c.file).toBe('/etc/xenos/host.yaml')
    expect(c.dataDir).toBe('/etc/xenos/data')
    expect(c.servicesDir).toBe('/srv/services')
    expect(c.cluster).toBe('/etc/xenos/cluster')
    expect(c.admission).toBe('/etc/xenos/data/admission.json')
    expect(c.insecureOpenOverlay).toBe(false)
    expect(c.api).toEqual({ listen: '127.0.0.1:7001', host: '127.0.0.1', port: 7001, maxRequestBytes: 1048576, insecureHttp: false })
    expect(c.mdns).toBe(false)
    expect(c.tags).toEqual(['ssd', 'rack1'])
    expect(c.membership).toEqual({ probeIntervalMs: 500, suspicionMult: 2, redialIntervalMs: 1000 })
    const diskFile = 'driver: { kind: disk, options: { imageDir: images } }\ndataDir: d\nservicesDir: s\ninsecureOpenOverlay: true\n'
    const disk = parseHostConfig(diskFile, '/h/h.yaml', DRIVERS)
    expect(disk.driver).toEqual({ kind: 'disk', options: { imageDir: '/h/images' } })
    expect(disk.listen).toEqual(['/ip4/127.0.0.1/tcp/0'])
    expect(disk.membership).toEqual({})
  })

  it('checks a host file without driver options as {}: the plugin\'s defaults, or its required fields at the driver\'s line', () => {
    const lab = parseHostConfig('driver: { kind: lab }\ndataDir: d\nservicesDir: s\ninsecureOpenOverlay: true\n', '/h.yaml', DRIVERS)
    expect(lab.driver).toEqual({ kind: 'lab', options: { seed: 1 } })
    const errors = hostErrors('dataDir: d\nservicesDir: s\ninsecureOpenOverlay: true\ndriver: { kind: disk }\n')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ field: 'driver.options.imageDir', line: 4, expected: 'a string (a required field)' })
  })

  it('reports every problem with line, column, field, expected and found', () => {
    const errors = hostErrors(`driver:
  kind: lab
  options: { seed: -1, colour: red }
listen: [not-a-multiaddr]
bootstrap: [/ip4/127.0.0.1/tcp/4002]
servicesDir: s
api: { listen: "localhost", maxRequestBytes: 1.5 }
tags: ["bad tag"]
membership: { probeIntervalMs: 0, gossip: 3 }
`)
    const byField = Object.fromEntries(errors.map(e => [e.field, e]))
    expect(Object.keys(byField).sort()).toEqual([
      'api.listen', 'api.maxRequestBytes', 'bootstrap[0]', 'dataDir', 'driver.options.colour', 'driver.options.seed', 'listen[0]',
      'membership.gossip', 'membership.probeIntervalMs', 'tags[0]'
    ])
    expect(byField['membership.probeIntervalMs']).toMatchObject({ line: 9, found: 'number 0' })
    expect(byField['driver.options.seed']).toMatchObject({ line: 3, expected: 'a number >= 0', found: 'number -1' })
    expect(byField['driver.options.colour']).toMatchObject({ line: 3, found: 'unknown field "colour"' })
    expect(byField['listen[0]']).toMatchObject({ line: 4, expected: expect.stringMatching(/multiaddr/), found: '"not-a-multiaddr"' })
    expect(byField['bootstrap[0]']?.expected).toMatch(/\/p2p\//)
    expect(byField.dataDir).toMatchObject({ line: 1, expected: 'a string (a required field)', found: 'nothing' })
    expect(byField['api.maxRequestBytes']).toMatchObject({ line: 7, expected: 'an integer' })
    expect(byField['tags[0]']?.line).toBe(8)
    for (const e of errors) expect(e.message).toMatch(/^\/etc\/xenos\/host.yaml:\d+:\d+: [\w.[\]]+: expected .+, found .+$/)
  })

  it('reads failover timings, and refuses a fence delay that is not below the takeover delay, at its line', () => {
    const base = 'driver: { kind: lab }\ndataDir: d\nservicesDir: s\ninsecureOpenOverlay: true\n'
    expect(parseHostConfig(base, '/etc/xenos/host.yaml', DRIVERS).failover).toEqual({ enabled: true })
    const timings = parseHostConfig(`${base}failover: { takeoverDelayMs: 5000, fenceAfterMs: 2000 }\n`, '/etc/xenos/host.yaml', DRIVERS).failover
    expect(timings).toEqual({ enabled: true, takeoverDelayMs: 5000, fenceAfterMs: 2000 })
    const errors = hostErrors(`${base}failover:\n  takeoverDelayMs: 5000\n  fenceAfterMs: 6000\n`)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ field: 'failover.fenceAfterMs', line: 7, expected: expect.stringMatching(/^fenceAfterMs less than takeoverDelayMs/) })
  })

  it('reads a watchdog, and refuses one whose timeout is not below the takeover delay, at its line', () => {
    const base = 'driver: { kind: lab }\ndataDir: d\nservicesDir: s\ninsecureOpenOverlay: true\n'
    const config = parseHostConfig(`${base}failover:\n  watchdog: { device: /dev/watchdog, timeoutS: 5 }\n`, '/etc/xenos/host.yaml', DRIVERS)
    expect(config.failover.watchdog).toEqual({ device: '/dev/watchdog', timeoutS: 5 })
    const init = hostInitFromConfig(config, { kind: 'files', imageDir: '/images' })
    expect(init).toMatchObject({ failover: {}, watchdog: { device: '/dev/watchdog', timeoutS: 5 } })
    const errors = hostErrors(`${base}failover:\n  takeoverDelayMs: 5000\n  watchdog: { device: /dev/watchdog, timeoutS: 5 }\n`)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ field: 'failover.watchdog.timeoutS', expected: expect.stringMatching(/^a watchdog timeout below takeoverDelayMs/) })
    expect(hostErrors(`${base}failover:\n  watchdog: { device: watchdog, timeoutS: 5 }\n`)[0]).toMatchObject({ field: 'failover.watchdog.device' })
  })

  it('refuses drivers not registered, YAML syntax errors, empty files and missing files', async () => {
    const unknown = hostErrors('driver: { kind: kvm }\ndataDir: d\nservicesDir: s\n')[0]
    expect(unknown).toMatchObject({ field: 'driver.kind', line: 1, expected: 'one of "lab", "disk"' })
    expect(hostErrors('driver: [unclosed\n')[0]).toMatchObject({ expected: 'valid YAML', line: 2 })
    expect(hostErrors('a: 1\na: 2\n')[0]?.expected).toBe('valid YAML')
    expect(hostErrors('')[0]).toMatchObject({ expected: 'a mapping of fields', found: 'an empty file' })
    const missing = { name: 'ConfigFileError', errors: [expect.objectContaining({ found: 'ENOENT' })] }
    await expect(loadHostConfig('/nonexistent/host.yaml', DRIVERS)).rejects.toMatchObject(missing)
  })

  it('registers one plugin per kind and names the registered kinds for one it lacks', () => {
    expect(DRIVERS.kinds).toEqual(['lab', 'disk'])
    expect(DRIVERS.get('disk')).toBe(diskPlugin)
    expect(() => DRIVERS.get('kvm')).toThrow('driver.kind: expected one of "lab", "disk", found "kvm"')
    expect(() => driverRegistry([labPlugin, labPlugin])).toThrow('plugins[1].kind: expected a kind no other plugin has, found "lab"')
    expect(() => driverRegistry([])).toThrow(/at least one driver plugin/)
  })

  it('parses API listen addresses', () => {
    expect(parseListenAddress('[::1]:80')).toEqual({ host: '::1', port: 80 })
    expect(parseListenAddress('0.0.0.0:65536')).toBeUndefined()
    expect(parseListenAddress('host')).toBeUndefined()
  })
})

describe('service config files', () => {
  it('reads a template into a validated domain spec, images and defaults', () => {
    const r = parseServiceConfigFile(TEMPLATE, 'hadoop-slave.yaml')
    expect(r.errors).toEqual([])
    expect(r.template).toMatchObject({
      name: 'hadoop-slave',
      spec: {
        name: 'hadoop-slave', vcpus: 1, memoryMiB: 256,
        disks: [{ image: 'templates/hadoop-slave/root.img', target: 'xvda', format: 'raw', mode: 'rw' }],
        boot: { kind: 'pvh', kernel: '/boot/vmlinuz' }, nics: [{ bridge: 'xenbr0' }]
      },
      images: [{ path: 'templates/hadoop-slave/root.img', sizeBytes: 1073741824, target: 'xvda' }],
      groups: ['hadoop'], attributes: { role: 'slave', slots: '4' }, endpoints: [{ protocol: 'http', port: 50060 }],
      source: 'hadoop-slave.yaml:2'
    })
  })

  it('reads a service with defaults', () => {
    const r = parseServiceConfigFile('kind: service\nname: slave-1\ntemplate: hadoop-slave\n', 's.yaml')
    expect(r.service).toEqual({
      name: 'slave-1', template: 'hadoop-slave', owner: 'admin', autostart: false, groups: [], attributes: {}, endpoints: [], source: 's.yaml:2',
      at: { file: 's.yaml', fields: { name: { line: 2, column: 7 }, template: { line: 3, column: 11 } } }
    })
  })

  it('reports the driver contract\'s spec errors at the right line', () => {
    const r = parseServiceConfigFile(TEMPLATE.replace('target: xvda', 'target: floppy'), 't.yaml')
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatchObject({ field: 'disks[0].target', line: 7, expected: 'a device name such as "xvda"', found: '"floppy"' })
  })

  it('reads a restart policy, filling its defaults', () => {
    const r = parseServiceConfigFile('kind: service\nname: s1\ntemplate: t\nrestart:\n  mode: resume\n  placement: " freeMemoryMiB>=512 tag=ssd "\n', 's.yaml')
    expect(r.errors).toEqual([])
    expect(r.service?.restart).toEqual({ mode: 'resume', placement: 'freeMemoryMiB>=512 tag=ssd', checkpointIntervalS: 60, replicas: 2 })
    expect(parseServiceConfigFile('kind: service\nname: s1\ntemplate: t\n', 's.yaml').service?.restart).toBeUndefined()
  })

  it('reports each bad field of a restart policy at its line', () => {
    const text = 'kind: service\nname: s1\ntemplate: t\nrestart:\n  mode: sometimes\n  placement: "freeMemoryMiB>>"\n'
      + '  checkpointIntervalS: 0\n  replicas: 17\n  k: 2\n'
    const r = parseServiceConfigFile(text, 's.yaml')
    const byField = Object.fromEntries(r.errors.map(e => [e.field, e]))
    expect(Object.keys(byField).sort()).toEqual(['restart.checkpointIntervalS', 'restart.k', 'restart.mode', 'restart.placement', 'restart.replicas'])
    expect(byField['restart.mode']).toMatchObject({ line: 5, found: '"sometimes"' })
    expect(byField['restart.placement']).toMatchObject({ line: 6, expected: expect.stringMatching(/^a host search query \(query position/) })
    expect(byField['restart.checkpointIntervalS']).toMatchObject({ line: 7 })
    expect(byField['restart.replicas']).toMatchObject({ line: 8 })
    expect(byField['restart.k']).toMatchObject({ line: 9 })
  })

  it('reports a missing or wrong kind once', () => {
    const r = parseServiceConfigFile('name: x\n', 'x.yaml')
    expect(r.errors.map(e => [e.field, e.expected])).toEqual([['kind', 'one of "template", "service"']])
  })
})

describe('loading a services directory', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xenos-config-'))
    await writeFile(join(dir, 'a-template.yaml'), TEMPLATE)
    await writeFile(join(dir, 'b-good.yaml'), 'kind: service\nname: slave-1\ntemplate: hadoop-slave\nowner: alice\nautostart: true\ngroups: [hadoop]\n')
    await writeFile(join(dir, 'c-broken.yaml'), 'kind: service\nname: slave 2\ntemplate: hadoop-slave\nmemoryMiB: 8\n')
    await writeFile(join(dir, 'd-garbage.yml'), '{{{{ not yaml')
    await writeFile(join(dir, 'e-duplicate.yaml'), 'kind: service\nname: slave-1\ntemplate: other\n')
    await writeFile(join(dir, 'f-good.yml'), 'kind: service\nname: slave-3\ntemplate: hadoop-slave\n')
    await writeFile(join(dir, 'notes.txt'), 'ignored')
    await writeFile(join(dir, '.hidden.yaml'), 'ignored: [')
    await mkdir(join(dir, 'subdir.yaml'))
  })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('loads every good file and reports each broken one without stopping', async () => {
    const r = await loadServiceConfigDir(dir)
    expect(r.templates.map(t => t.name)).toEqual(['hadoop-slave'])
    // slave-1 is defined by two files: neither is taken (whichever sorts first would silently win), both are named
    expect(r.services.map(s => s.name)).toEqual(['slave-3'])
    const summary = r.errors.map(e => [e.file.slice(dir.length + 1), e.line, e.column, e.field])
    expect(summary).toEqual([
      ['c-broken.yaml', 2, 7, 'name'],
      ['c-broken.yaml', 4, 12, 'memoryMiB'],
      ['d-garbage.yml', 1, 14, ''],
      ['b-good.yaml', 2, 7, 'name'],
      ['e-duplicate.yaml', 2, 7, 'name']
    ])
    expect(r.errors[3]?.found).toMatch(/"slave-1", also defined at .*e-duplicate.yaml:2:7/)
    expect(r.errors[4]?.found).toMatch(/"slave-1", also defined at .*b-good.yaml:2:7/)
    expect(r.problems).toHaveLength(5)
    expect(r.problems[0]).toMatchObject({
      line: 2, column: 7, field: 'name', message: expect.stringMatching(/c-broken.yaml:2:7: name: expected a name of 1-64/)
    })
    expect(r.services[0]?.at).toEqual({ file: join(dir, 'f-good.yml'), fields: { name: { line: 2, column: 7 }, template: { line: 3, column: 11 } } })
  })

  it('reports a missing directory as one error', async () => {
    const r = await loadServiceConfigDir(join(dir, 'nope'))
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]?.found).toBe('ENOENT')
  })
})

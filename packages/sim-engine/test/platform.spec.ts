import { describe, it, expect } from 'vitest'
import { fileURLToPath } from 'node:url'
import { readdir, readFile } from 'node:fs/promises'
import { readEstimates, unsourcedNumbers } from '@xenos/config-file'
import { Engine, loadPlatform, parsePlatform, PlatformError, nativePlatform, restrictCores } from '../src/index.js'

const dir = fileURLToPath(new URL('../platforms/', import.meta.url))

function errorOf (fn: () => unknown): PlatformError {
  try { fn() } catch (err) { if (err instanceof PlatformError) return err; throw err }
  throw new Error('expected a PlatformError, found none')
}

describe('platform files', () => {
  it('every shipped platform gives every number its source and lists its estimates, each range holding its value', async () => {
    const files = (await readdir(dir)).filter(f => f.endsWith('.yaml'))
    expect(files).toEqual(expect.arrayContaining(['paper-2010.yaml', 'modern-10gbe.yaml']))
    for (const f of files) {
      const text = await readFile(`${dir}${f}`, 'utf8')
      expect(unsourcedNumbers(text), `${f}: numbers without a comment saying where they come from`).toEqual([])
      expect(readEstimates(text, f).length, `${f}: estimates`).toBeGreaterThan(0)
      await loadPlatform(`${dir}${f}`)
    }
  })

  it('paper-2010.yaml describes the 13-host cluster of the paper', async () => {
    const p = await loadPlatform(`${dir}paper-2010.yaml`)
    expect(p.hosts).toHaveLength(13)
    expect(p.hosts.map(h => h.name).slice(0, 3)).toEqual(['master', 'node01', 'node02'])
    const h = p.hosts[1]!
    expect(h.cores).toBe(2)
    expect(h.coreSpeedFlops).toBe(2.53e9)
    expect(h.memoryMiB).toBe(2048)
    expect(h.dom0MemoryMiB).toBe(512)
    expect(h.disks[0]!.capacityBytes).toBe(500e9)
    expect(h.nic.bandwidthBps).toBe(125e6)
    expect(p.calibration['replicationNetworkBps']).toBe(40e6)
    const e = new Engine({ seed: 1, platform: p })
    // Guests of the paper: 1 VCPU, 384 MB; 2048 - 512 leaves room for exactly 4.
    for (let i = 0; i < 4; i++) e.host('node01').createVm({ name: `s${i}`, vcpus: 1, memoryMiB: 384 })
    expect(e.host('node01').freeMemoryMiB()).toBe(0)
  })

  it('modern-10gbe.yaml needs no code: 10 GbE hosts move 1 GB in under a second', async () => {
    const p = await loadPlatform(`${dir}modern-10gbe.yaml`)
    expect(p.hosts).toHaveLength(13)
    const e = new Engine({ seed: 1, platform: p })
    const c = e.comm({ from: e.host('srv01'), to: e.host('srv02'), bytes: 1e9 }).start()
    await e.run()
    expect(c.finishedAtS).toBeCloseTo(1e9 / (1.25e9 * 0.99) + 5e-6 + 1e-6 + 5e-6, 9)
  })

  it('paper-2010.yaml lists its estimates, each range holding its value; a range that does not is an error at its line', async () => {
    const { readFile } = await import('node:fs/promises')
    const text = await readFile(`${dir}paper-2010.yaml`, 'utf8')
    expect(text).toMatch(/hostTypes\.e7200\.disks\.0\.readBps: \{ low: 90\.0e6, high: 115\.0e6/)
    const bad = text.replace('readBps: { low: 90.0e6, high: 115.0e6', 'readBps: { low: 110.0e6, high: 115.0e6')
    const line = bad.split('\n').findIndex(l => l.includes('readBps: { low: 110.0e6')) + 1
    const e = errorOf(() => parsePlatform(bad, 'p.yaml'))
    expect(e.line).toBe(line)
    expect(e.message).toContain('expected the value within its range [110000000, 115000000], found 105000000')
  })

  it('errors name file, line, field, expected and found', () => {
    const text = [
      'name: bad',
      'network: { tcpEfficiency: 0.9 }',
      'virtualization: { dom0DiskFlopsPerByte: 1, dom0NetFlopsPerByte: 1, diskLatencyS: 0, netLatencyS: 0 }',
      'pageCache: { dirtyRatio: 0.1, guestWorkingSetMiB: 1, dom0WorkingSetMiB: 1, nativeWorkingSetMiB: 1 }',
      'hostTypes:',
      '  t:',
      '    cores: two',
      '    coreSpeedFlops: 1',
      '    memoryMiB: 1024',
      '    memoryBandwidthBps: 1',
      '    disks: [{ capacityBytes: 1, readBps: 1, writeBps: 1 }]',
      '    nic: { bandwidthBps: 1, latencyS: 0 }',
      'hosts: [{ name: a, type: t }]'
    ].join('\n')
    const err = errorOf(() => parsePlatform(text, 'bad.yaml'))
    expect(err.name).toBe('PlatformError')
    expect(err.file).toBe('bad.yaml')
    expect(err.line).toBe(7)
    expect(err.field).toBe('hostTypes.t.cores')
    expect(err.expected).toBe('a number')
    expect(err.found).toBe('"two"')
    expect(err.message).toBe('bad.yaml:7: hostTypes.t.cores: expected a number, found "two"')

    const unknownType = errorOf(() => parsePlatform(text.replace('cores: two', 'cores: 2').replace('type: t }', 'type: x }'), 'bad.yaml'))
    expect(unknownType.line).toBe(13)
    expect(unknownType.field).toBe('hosts[0].type')
    expect(unknownType.expected).toMatch(/one of the hostTypes \(t\)/)

    const extra = errorOf(() => parsePlatform(text.replace('cores: two', 'cores: 2\n    gpus: 1'), 'bad.yaml'))
    expect(extra.field).toBe('hostTypes.t.gpus')
    expect(extra.line).toBe(8)
    expect(extra.found).toBe('unknown field "gpus"')

    const negative = errorOf(() => parsePlatform(text.replace('cores: two', 'cores: 0'), 'x.yaml'))
    expect(negative.message).toBe('x.yaml:7: hostTypes.t.cores: expected a number >= 1, found number 0')
    expect(negative.column).toBe(12)

    const two = errorOf(() => parsePlatform(text.replace('cores: two', 'cores: 0').replace('memoryMiB: 1024', 'memoryMiB: -5'), 'x.yaml'))
    expect(two.problems.map(p => p.field)).toEqual(['hostTypes.t.cores', 'hostTypes.t.memoryMiB'])
    expect(two.message).toMatch(/and 1 more problem/)

    const syntax = errorOf(() => parsePlatform('name: [unclosed', 'broken.yaml'))
    expect(syntax.line).toBe(1)
    expect(syntax.expected).toBe('valid YAML')
  })

  it('JSON files get line numbers too', () => {
    const json = JSON.stringify({ name: 'j', network: {}, virtualization: {}, pageCache: {}, hostTypes: {}, hosts: [] }, null, 2)
    const err = errorOf(() => parsePlatform(json, 'p.json'))
    expect(err.file).toBe('p.json')
    expect(err.field).toBe('virtualization.dom0DiskFlopsPerByte')
    expect(err.expected).toBe('a number (a required field)')
    expect(err.line).toBe(4)
  })

  it('nativePlatform and restrictCores derive the PHY twins', async () => {
    const p = await loadPlatform(`${dir}paper-2010.yaml`)
    const n = nativePlatform(p)
    expect(n.hosts.every(h => !h.virtualized && h.dom0MemoryMiB === 0)).toBe(true)
    const one = restrictCores(n, 1)
    expect(one.hosts.every(h => h.cores === 1)).toBe(true)
    const e = new Engine({ seed: 1, platform: one })
    const x = e.exec({ on: e.host('node01'), flops: 2.53e9, maxCores: 2 }).start()
    await e.run()
    expect(x.finishedAtS).toBeCloseTo(1, 9)
    expect(() => e.host('node01').createVm({ name: 'v', vcpus: 1, memoryMiB: 64 })).toThrow(/virtualized host/)
  })

  it('a missing file is a PlatformError too', async () => {
    await expect(loadPlatform('/nonexistent/p.yaml')).rejects.toThrow(/\/nonexistent\/p\.yaml: platform: expected a readable platform file, found ENOENT/)
  })
})

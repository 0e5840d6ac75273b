import { describe, it, expect } from 'vitest'
import { ConfigFileError } from './config-error.js'
import { readEstimates, withValueAt } from './estimates.js'

const FILE = [
  'memory:',
  '  # a comment that must survive',
  '  kernelMiB: 40',
  'disks:',
  '  - readBps: 80.0e6',
  'estimates:',
  '  memory.kernelMiB: { low: 24, high: 64, why: "a range" }',
  '  disks.0.readBps: { low: 55.0e6, high: 105.0e6, why: "zones" }',
  ''
].join('\n')

describe('estimates', () => {
  it('reads each estimate with its value, checked against its range', () => {
    const e = readEstimates(FILE, 'f.yaml')
    expect(e.map(x => [x.path, x.value, x.low, x.high])).toEqual([['memory.kernelMiB', 40, 24, 64], ['disks.0.readBps', 80e6, 55e6, 105e6]])
  })

  it('refuses a path that names no number, and a value outside its range, with the line', () => {
    const bad = FILE.replace('memory.kernelMiB: { low: 24', 'memory.kernelMiB: { low: 41').replace('disks.0.readBps:', 'disks.1.readBps:')
    expect(() => readEstimates(bad, 'f.yaml')).toThrow(ConfigFileError)
    try {
      readEstimates(bad, 'f.yaml')
    } catch (err) {
      const e = err as ConfigFileError
      expect(e.errors.map(x => [x.line, x.field])).toEqual([[7, 'estimates.memory.kernelMiB'], [8, 'estimates.disks.1.readBps']])
      expect(e.errors[0]!.message).toContain('expected the value within its range [41, 64], found 40')
    }
  })

  it('replaces one value and keeps the comments', () => {
    const text = withValueAt(FILE, 'f.yaml', 'disks.0.readBps', 55e6)
    expect(text).toContain('# a comment that must survive')
    expect(readEstimates(text.replace('low: 55.0e6', 'low: 50.0e6'), 'f.yaml')[1]!.value).toBe(55e6)
    expect(() => withValueAt(FILE, 'f.yaml', 'memory.none', 1)).toThrow(ConfigFileError)
  })
})

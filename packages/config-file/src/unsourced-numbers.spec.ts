import { describe, expect, it } from 'vitest'
import { unsourcedNumbers } from './unsourced-numbers.js'

describe('unsourcedNumbers', () => {
  it('finds the numbers with no comment on their line or just above, outside the estimates block', () => {
    const text = [
      'disk:',
      '  # Data sheet: 105 MB/s.',
      '  readBps: 105.0e6',
      '  writeBps: 105.0e6',
      '  rpm: 7200 # data sheet',
      '  name: sda',
      'hosts:',
      '  - count: 12',
      'estimates:',
      '  disk.readBps: { low: 90, high: 115, why: "drives of 2008" }',
      ''
    ].join('\n')
    expect(unsourcedNumbers(text)).toEqual([{ path: 'disk.writeBps', line: 4 }, { path: 'hosts.0.count', line: 8 }])
  })
})

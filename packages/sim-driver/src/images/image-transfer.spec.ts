import { describe, expect, it } from 'vitest'
import type { ChunkRequest } from '@xenos/hypervisor-interface'
import { requestBytes } from './image-transfer.js'

describe('requestBytes', () => {
  it('is the length of the request as JSON, for every op, index and hash', () => {
    const hash = 'ab'.repeat(32)
    const requests: ChunkRequest[] = [
      { op: 'manifest', hash },
      { op: 'have', hash },
      { op: 'get', hash, index: 0 },
      { op: 'get', hash, index: 2815 },
      { op: 'get', hash: 'a "quoted" \\ name\u0001', index: 12_345_678 },
      { op: 'get', hash, index: 1.5 },
      { op: 'get', hash, index: Number.NaN },
      { op: 'have', hash, waitMs: 1000, wanted: Buffer.from([0xff, 0x00, 0x81]).toString('base64') },
      { op: 'have', hash, waitMs: 2.5, wanted: '' },
      { op: 'have', hash, waitMs: 0, wanted: 'not "base64"' }
    ]
    for (const r of requests) expect(requestBytes(r)).toBe(JSON.stringify(r).length)
  })
})

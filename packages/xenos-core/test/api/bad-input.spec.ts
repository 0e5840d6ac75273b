/**
 * Bad inputs thrown at every xenos.* method: each call must end in a fault
 * the caller can act on (never -32603 internal error), and the server must
 * keep serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XENOS_METHODS, xenosClient, type XenosClient } from '../../src/api/index.js'
import { FaultCode, XmlRpcFault } from '../../src/xmlrpc/fault.js'
import type { XmlRpcValue } from '../../src/xmlrpc/values.js'
import { ApiHarness } from '../support/api-harness.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { webTemplate } from '../support/harness.js'

let h: ApiHarness
let admin: XenosClient
let serviceId: string

const VALUES: XmlRpcValue[] = [
  '', ' ', '../../etc/passwd', 'x'.repeat(5000), '-bad', 'svc-nope', 0, -1, 2147483647, 1.5, true, null,
  [], [1, 'a'], {}, { name: 7 }, { id: 'x', groups: 'g' }, { timeoutS: -3 }, { deadlineMs: 0 }, { method: 'teleport' },
  { storage: 'pre-copy', live: 'yes' }, { holders: [1] }, { name: 'ok-name', groups: ['bad group'] }, new Date(0), new Uint8Array([1, 2])
]

beforeAll(async () => {
  h = new ApiHarness(new FakeCluster([{ name: 'h1' }, { name: 'h2' }]))
  await h.addApi('h1', [webTemplate('web')])
  await h.addApi('h2')
  admin = xenosClient({ endpoints: [h.url('h1')], credentials: { scheme: 'bearer', token: 'tok-admin' } })
  serviceId = (await admin.createInstance('web', { name: 'target', start: true })).id
})
afterAll(async () => {
  admin.close()
  await h.close()
})

describe('bad input', () => {
  it('gets an actionable fault from every method, never an internal error', async () => {
    const internal: string[] = []
    let calls = 0
    for (const method of XENOS_METHODS) {
      const arities = [0, 1, 2, 3]
      for (const n of arities) {
        for (let k = 0; k < VALUES.length; k++) {
          // first parameter cycles through the bad values; the others too, shifted, and sometimes the real service id
          const params = Array.from({ length: n }, (_, i) => (i === 0 && k % 5 === 0) ? serviceId : VALUES[(k + i * 7) % VALUES.length] as XmlRpcValue)
          calls++
          try {
            await admin.call(method, params)
          } catch (err) {
            if (!(err instanceof XmlRpcFault)) throw err
            if (err.faultCode === FaultCode.INTERNAL_ERROR) internal.push(`${method}(${JSON.stringify(params).slice(0, 80)}): ${err.faultString}`)
          }
        }
      }
    }
    expect(internal).toEqual([])
    expect(calls).toBeGreaterThan(1000)
    expect((await admin.hostInfo()).hostname).toBe('h1')
  })
})

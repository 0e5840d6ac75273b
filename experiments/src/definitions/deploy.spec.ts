import { describe, it, expect } from 'vitest'
import type { Testbed } from '@xenos/experiment-interface'
import { deploy, deploymentMeasurements, unitOf, UnsupportedTestbedError } from './deploy.js'

describe('the deploy experiment', () => {
  it('turns a deployment report into one measurement per figure, units from the names', () => {
    const ms = deploymentMeasurements('deploy', { method: 'paper', hosts: 12, durationS: 2600, networkBytes: 1, localCopyBytes: 2, physicalLimitS: 1200, extra: { networkBps: 3, probeCalls: 10 } })
    expect(ms.map(m => [m.metric, m.unit, m.value])).toEqual([
      ['durationS', 's', 2600], ['networkBytes', 'B', 1], ['localCopyBytes', 'B', 2], ['physicalLimitS', 's', 1200], ['networkBps', 'B/s', 3], ['probeCalls', '', 10]
    ])
    expect(ms.every(m => m.setup === 'paper' && m.params.hosts === 12)).toBe(true)
    expect(unitOf('controlPlaneMaxS')).toBe('s')
  })

  it('needs a testbed that can deploy templates', async () => {
    const testbed = { backend: 'sim' } as unknown as Testbed
    await expect(deploy.run(testbed, { seed: 1, repetition: 0, progress: () => undefined })).rejects.toThrow(UnsupportedTestbedError)
  })
})

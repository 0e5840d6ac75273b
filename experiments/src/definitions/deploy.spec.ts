import { describe, it, expect } from 'vitest'
import { callTimes, onTestbed, type DeploymentReport, type Testbed } from '@xenos/experiment-interface'
import { deploy, deploymentMeasurements, UnsupportedTestbedError } from './deploy.js'

const report: DeploymentReport = {
  method: 'paper',
  hosts: 12,
  duration: onTestbed(2600, 's'),
  networkBytes: onTestbed(1, 'B'),
  localCopyBytes: onTestbed(2, 'B'),
  physicalLimit: onTestbed(1200, 's'),
  lowerBound: onTestbed(150, 's'),
  aggregateRate: onTestbed(4, 'B/s'),
  networkRate: onTestbed(3, 'B/s'),
  controlPlane: callTimes({ calls: 50, maxS: 2, meanS: 0.5, totalS: 25, heldS: 6 }),
  probe: callTimes({ calls: 10, maxS: 0.03, meanS: 0.01, totalS: 0.1 })
}

describe('the deploy experiment', () => {
  it('turns a deployment report into one measurement per figure, unit and clock as the testbed measured them', () => {
    const ms = deploymentMeasurements('deploy', report, 3)
    expect(ms.map(m => [m.metric, m.unit, m.value, m.clock])).toEqual([
      ['durationS', 's', 2600, 'testbed'], ['networkBytes', 'B', 1, 'testbed'], ['localCopyBytes', 'B', 2, 'testbed'], ['physicalLimitS', 's', 1200, 'testbed'],
      ['networkBps', 'B/s', 3, 'testbed'], ['aggregateBps', 'B/s', 4, 'testbed'], ['lowerBoundS', 's', 150, 'testbed'],
      ['controlPlaneCalls', 'calls', 50, 'wall'], ['controlPlaneMaxS', 's', 2, 'wall'], ['controlPlaneMeanS', 's', 0.5, 'wall'],
      ['controlPlaneTotalS', 's', 25, 'wall'], ['controlPlaneHeldS', 's', 6, 'wall'],
      ['probeCalls', 'calls', 10, 'wall'], ['probeMaxS', 's', 0.03, 'wall'], ['probeMeanS', 's', 0.01, 'wall'], ['probeTotalS', 's', 0.1, 'wall'],
      ['concurrency', 'hosts', 3, 'testbed']
    ])
    expect(ms.every(m => m.setup === 'paper' && m.params.hosts === 12)).toBe(true)
  })

  it('files a value by its clock, not its name: a wall-clock figure named like a simulated one stays wall-clock', () => {
    const misnamed = { ...report, duration: { value: 2600, unit: 's', clock: 'wall' } } as unknown as DeploymentReport
    expect(deploymentMeasurements('deploy', misnamed, 3).find(m => m.metric === 'durationS')?.clock).toBe('wall')
  })

  it('needs a testbed that can deploy templates', async () => {
    const testbed = { backend: 'sim' } as unknown as Testbed
    await expect(deploy.run(testbed, { seed: 1, repetition: 0, progress: () => undefined })).rejects.toThrow(UnsupportedTestbedError)
  })
})

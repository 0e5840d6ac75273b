import { describe, expect, it } from 'vitest'
import { measurement, toRunRecord } from './experiment.js'
import { callTimes, onTestbed, onWall } from './quantity.js'

const point = { experiment: 'deploy', setup: 'paper', params: { hosts: 12 } }

describe('measured values carry their unit and clock', () => {
  it('a measurement takes both from its quantity, whatever its metric is called', () => {
    expect(measurement(point, 'durationS', onWall(0.2, 's'))).toMatchObject({ metric: 'durationS', unit: 's', value: 0.2, clock: 'wall' })
    expect(measurement(point, 'probeMaxS', onTestbed(3, 'B'))).toMatchObject({ metric: 'probeMaxS', unit: 'B', value: 3, clock: 'testbed' })
  })

  it('a run record keeps the clock only for wall-clock values, in the result file\'s key order', () => {
    const simulated = toRunRecord(measurement(point, 'durationS', onTestbed(100, 's'), { nodes: 12 }), 1, 0)
    const head = '"experiment":"deploy","setup":"paper","params":{"hosts":12}'
    expect(JSON.stringify(simulated)).toBe(`{${head},"metric":"durationS","unit":"s","value":100,"extra":{"nodes":12},"seed":1,"repetition":0}`)
    const wall = toRunRecord(measurement(point, 'probeMaxS', onWall(0.1, 's')), 2, 1)
    expect(JSON.stringify(wall)).toBe(`{${head},"metric":"probeMaxS","unit":"s","value":0.1,"clock":"wall","seed":2,"repetition":1}`)
  })

  it('call statistics become wall-clock quantities, the held time only where given', () => {
    expect(callTimes({ calls: 3, maxS: 0.5, meanS: 0.2, totalS: 0.6 })).toEqual({
      calls: { value: 3, unit: 'calls', clock: 'wall' }, max: { value: 0.5, unit: 's', clock: 'wall' },
      mean: { value: 0.2, unit: 's', clock: 'wall' }, total: { value: 0.6, unit: 's', clock: 'wall' }
    })
    expect(callTimes({ calls: 1, maxS: 1, meanS: 1, totalS: 1, heldS: 0.9 }).held).toEqual({ value: 0.9, unit: 's', clock: 'wall' })
  })
})

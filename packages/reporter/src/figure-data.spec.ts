import { PAPER_FIGURES, type FigureSpec, type RunRecord } from '@xenos/experiment-interface'
import { describe, expect, it } from 'vitest'
import { AmbiguousFigureDataError } from './errors.js'
import { figureData } from './figure-data.js'
import { summarize } from './summarize.js'

function run (setup: string, params: RunRecord['params'], value: number, experiment = 'hdfs-datanodes'): RunRecord {
  return { experiment, setup, params, metric: 'durationS', unit: 's', value, seed: 1, repetition: 0 }
}

const fig5 = PAPER_FIGURES.find(f => f.id === 'fig5') as FigureSpec

describe('figureData', () => {
  it('arranges panels, x groups and series in the spec order, leaving holes for missing bars', () => {
    const s = summarize([
      run('VM4', { datanodes: 4, op: 'read' }, 40), run('PHY', { datanodes: 4, op: 'read' }, 10),
      run('PHY', { datanodes: 12, op: 'read' }, 30), run('PHY', { datanodes: 4, op: 'write' }, 11),
      run('VM9', { datanodes: 4, op: 'read' }, 99), run('PHY', { datanodes: 4, op: 'read' }, 5, 'wordcount')
    ])
    const data = figureData(fig5, s)
    expect(data.panels.map(p => p.label)).toEqual(['op = write', 'op = read'])
    const read = data.panels[1]
    expect(read?.xValues).toEqual([4, 8, 12])
    expect(read?.series.map(x => x.setup)).toEqual(['PHY', 'VM1', 'VM2', 'VM4'])
    expect(read?.series[0]?.points.map(p => p?.mean)).toEqual([10, undefined, 30])
    expect(read?.series[3]?.points.map(p => p?.mean)).toEqual([40, undefined, undefined])
    expect(data.pointCount).toBe(4)
    expect(data.unit).toBe('s')
  })

  it('defaults x values to those found, numbers ascending', () => {
    const spec: FigureSpec = { ...fig5, x: { param: 'datanodes', label: 'Datanodes' }, panels: undefined }
    const data = figureData(spec, summarize([run('PHY', { datanodes: 12 }, 1), run('PHY', { datanodes: 4 }, 1), run('VM1', { datanodes: 8 }, 1)]))
    expect(data.panels[0]?.xValues).toEqual([4, 8, 12])
  })

  it('throws when two points fall on one bar, and a where filter resolves it', () => {
    const runs = [run('PHY', { datanodes: 4, op: 'read', phase: 'a' }, 1), run('PHY', { datanodes: 4, op: 'read', phase: 'b' }, 2)]
    expect(() => figureData(fig5, summarize(runs))).toThrow(AmbiguousFigureDataError)
    expect(() => figureData(fig5, summarize(runs))).toThrow(/fig5 \(setup PHY, datanodes=4, op=read\)/)
    const data = figureData({ ...fig5, where: { phase: 'b' } }, summarize(runs))
    expect(data.panels[1]?.series[0]?.points[0]?.mean).toBe(2)
  })
})

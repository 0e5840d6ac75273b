import { describe, it, expect } from 'vitest'
import type { RunRecord } from '@xenos/experiment-interface'
import { evaluateFindings } from './findings.js'

function pi (setup: string, values: number[]): RunRecord[] {
  return values.map((value, repetition) => ({ experiment: 'pi', setup, params: { maps: 120, samplesPerMap: 10000 }, metric: 'durationS', unit: 's', value, seed: repetition, repetition }))
}

const find = (runs: RunRecord[], id: string): ReturnType<typeof evaluateFindings>[number] => {
  const f = evaluateFindings(runs).find(x => x.id === id)
  if (f === undefined) throw new Error(`no finding ${id}`)
  return f
}

describe('evaluateFindings', () => {
  it('C7 passes when VM2 and VM4 take at most 85% of VM1, with the numbers as evidence', () => {
    const runs = [...pi('VM1', [100, 102, 98]), ...pi('VM2', [70, 71, 69]), ...pi('VM4', [80, 80, 80])]
    const c7 = find(runs, 'C7')
    expect(c7.status).toBe('PASS')
    expect(c7.evidence).toContain('VM1 100.0 s')
  })

  it('C7 fails when VM4 is barely faster', () => {
    const runs = [...pi('VM1', [100]), ...pi('VM2', [70]), ...pi('VM4', [90])]
    expect(find(runs, 'C7').status).toBe('FAIL')
  })

  it('a finding without its runs is SKIPPED with the missing point named', () => {
    const c9 = find(pi('PHY', [10]), 'C9')
    expect(c9.status).toBe('SKIPPED')
    expect(c9.reason).toMatch(/PHY-1CORE/)
  })

  it('judges every finding C1 to C12', () => {
    expect(evaluateFindings([]).map(f => f.id)).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9', 'C10', 'C11', 'C12'])
  })
})

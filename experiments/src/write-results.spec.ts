import { describe, it, expect } from 'vitest'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DocumentValidationError, parseResultSetJson, type ResultSet, type RunRecord, type SensitivityAnalysis } from '@xenos/experiment-interface'
import { writeResultsAndReport } from './write-results.js'
import { SENSITIVITY_FILE } from './sensitivity/index.js'

const run = (metric: string, value: number, wall = false): RunRecord => ({
  experiment: 'deploy', setup: 'xenos', params: { hosts: 12 }, metric, unit: 's', value, seed: 1, repetition: 0, ...(wall ? { clock: 'wall' as const } : {})
})

function resultSet (startedAt: string, controlPlaneS: number): ResultSet {
  return {
    schemaVersion: 1, software: { name: 't', version: '0' }, backend: 'sim',
    platform: { name: 'p', file: 'p.yaml', sha256: 'a'.repeat(64) }, startedAt,
    runs: [run('durationS', 704), run('controlPlaneMaxS', controlPlaneS, true)]
  }
}

describe('writeResultsAndReport', () => {
  it('keeps results.json free of wall-clock values, so a seed always gives the same bytes', async () => {
    const dirs = [await mkdtemp(join(tmpdir(), 'xenos-res-')), await mkdtemp(join(tmpdir(), 'xenos-res-'))]
    try {
      await writeResultsAndReport(dirs[0]!, resultSet('2026-01-01T00:00:00.000Z', 0.081))
      await writeResultsAndReport(dirs[1]!, resultSet('2026-06-01T12:00:00.000Z', 0.272))
      const [a, b] = await Promise.all(dirs.map(async d => await readFile(join(d, 'results.json'), 'utf8')))
      expect(a).toBe(b)
      expect(parseResultSetJson(a!, 'results.json').runs.map(r => r.metric)).toEqual(['durationS'])
      const wall = parseResultSetJson(await readFile(join(dirs[1]!, 'wallclock.json'), 'utf8'), 'wallclock.json')
      expect(wall.startedAt).toBe('2026-06-01T12:00:00.000Z')
      expect(wall.runs.map(r => [r.metric, r.value])).toEqual([['controlPlaneMaxS', 0.272]])
    } finally {
      await Promise.all(dirs.map(async (d) => { await rm(d, { recursive: true, force: true }) }))
    }
  })

  it('shows a sensitivity analysis only beside the very runs it was computed from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-res-'))
    const analysis: SensitivityAnalysis = {
      seeds: [1], referenceRepetitions: 1, perturbedRuns: 0, notAnalysed: [{ id: 'C12', why: 'judged on the wall clock' }],
      estimates: [{ input: 'p.yaml#network.switchLatencyS', base: 15e-6, low: 5e-6, high: 30e-6, why: 'store and forward' }],
      findings: [{
        id: 'X1', baseMargin: 0.5, seedMargins: [0.5], seeds: [1], inputs: [], fragile: false, sentence: 'X1 holds across the plausible range of every input.'
      }]
    }
    const shown = async (): Promise<boolean> => (await readFile(join(dir, 'report.md'), 'utf8')).includes('## Estimated inputs')
    try {
      const rs = resultSet('2026-01-01T00:00:00.000Z', 0.1)
      await writeResultsAndReport(dir, rs, { sensitivity: analysis })
      expect(JSON.parse(await readFile(join(dir, SENSITIVITY_FILE), 'utf8')).analysis).toEqual(analysis)
      expect(await shown()).toBe(true)
      // The same runs again (another start time, other wall-clock values): the analysis still stands.
      await writeResultsAndReport(dir, resultSet('2026-02-01T00:00:00.000Z', 0.3))
      expect(await shown()).toBe(true)
      // Other runs (other code, costs or seeds would give other values): it is not shown.
      await writeResultsAndReport(dir, { ...rs, runs: [run('durationS', 705)] })
      expect(await shown()).toBe(false)
      await writeFile(join(dir, SENSITIVITY_FILE), '{"analysis": 1}')
      await expect(writeResultsAndReport(dir, rs)).rejects.toThrow(DocumentValidationError)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

import { describe, it, expect } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseResultSetJson, type ResultSet, type RunRecord } from '@xenos/experiment-interface'
import { writeResultsAndReport } from './write-results.js'

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
})

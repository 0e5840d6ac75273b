import { describe, it, expect } from 'vitest'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { stringifyResultSet, validateResultSet } from '@xenos/experiment-interface'
import { runExperiments, RunnerError } from './runner.js'
import { simTestbedFactory } from './testbeds/sim-testbed.js'
import { pi } from './definitions/index.js'

async function runPi (seed: number): Promise<string> {
  const factory = await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE })
  const rs = await runExperiments([pi], {
    backend: 'sim', factory, seed, repetitions: 2, startedAt: '2026-01-01T00:00:00.000Z',
    platform: { name: 'paper-2010', file: 'paper-2010.yaml', sha256: 'a'.repeat(64) },
    software: { name: 'test', version: '0' }
  })
  validateResultSet(rs, 'in-memory')
  return stringifyResultSet(rs)
}

describe('runExperiments on the simulated paper cluster', () => {
  it('runs every setup of an experiment for each repetition, with seed and repetition recorded', async () => {
    const rs = JSON.parse(await runPi(5)) as { runs: Array<{ setup: string, seed: number, repetition: number, value: number }> }
    expect(rs.runs).toHaveLength(2 * 6)
    expect(new Set(rs.runs.map(r => r.setup))).toEqual(new Set(['PHY', 'VM1', 'VM2', 'VM4', 'VM1-2VCPU', 'PHY-1CORE']))
    expect(rs.runs.filter(r => r.repetition === 1).every(r => r.seed === 6)).toBe(true)
    expect(rs.runs.every(r => r.value > 0)).toBe(true)
  })

  it('is deterministic: the same seed gives the same bytes of results', async () => {
    expect(await runPi(3)).toBe(await runPi(3))
  })

  it('refuses a bad repetition count', async () => {
    const factory = await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE })
    const platform = { name: 'p', file: 'f', sha256: 'a'.repeat(64) }
    await expect(runExperiments([pi], { backend: 'sim', factory, seed: 1, repetitions: 0, startedAt: 'x', platform, software: { name: 't', version: '0' } }))
      .rejects.toThrow(RunnerError)
  })
})

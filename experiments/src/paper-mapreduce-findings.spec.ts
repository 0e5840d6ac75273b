/**
 * The MapReduce findings of the paper (Figures 6, 7 and 8) on the shipped
 * platform: Wordcount, Sort and Pi run once (seed 1) on the simulated paper
 * cluster and the findings are judged on their runs, as `xenos paper` does
 * with 3 seeds.
 *
 * C5, C7 and C9 are asserted to PASS. C6 (Sort slower on VM2 and VM4) and
 * C8 (Pi faster with 2 VCPUs) FAIL on this platform; the last two tests pin
 * the behaviour behind those verdicts (not the verdicts): every setup moves
 * the same bytes per host in Sort, and Pi's waves are paced by heartbeats
 * that a second VCPU does not move.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-driver'
import { PAPER_HADOOP } from '@xenos/hadoop-bench'
import type { FindingResult, ResultSet, RunRecord } from '@xenos/experiment-interface'
import { runExperiments } from './runner.js'
import { simTestbedFactory } from './testbeds/sim-testbed.js'
import { pi, sort, wordcount } from './definitions/index.js'
import { evaluateFindings } from './findings.js'

let results: ResultSet
let findings: FindingResult[]

const finding = (id: string): FindingResult => {
  const f = findings.find(x => x.id === id)
  if (f === undefined) throw new Error(`expected finding ${id}, found none`)
  return f
}

/** The one run (one repetition) of a point. */
const run = (experiment: string, setup: string, params: Record<string, string | number>): RunRecord => {
  const runs = results.runs.filter(r => r.experiment === experiment && r.setup === setup && r.metric === 'durationS' && Object.entries(params).every(([k, v]) => r.params[k] === v))
  if (runs.length !== 1) throw new Error(`expected one run of ${experiment} ${setup} ${JSON.stringify(params)}, found ${runs.length}`)
  return runs[0]!
}

describe('the paper\'s MapReduce findings on the shipped platform (Figures 6, 7 and 8, one seed)', () => {
  beforeAll(async () => {
    const factory = await simTestbedFactory({ platformFile: PAPER_PLATFORM_FILE })
    results = await runExperiments([wordcount, sort, pi], {
      backend: 'sim', factory, seed: 1, repetitions: 1, startedAt: '2026-01-01T00:00:00.000Z',
      platform: { name: 'paper-2010', file: PAPER_PLATFORM_FILE, sha256: 'a'.repeat(64) },
      software: { name: 'test', version: '0' }
    })
    findings = evaluateFindings(results.runs)
  })

  it('C5: Wordcount is faster on VM2 and VM4 than on VM1, and fastest on PHY, at 1 and 8 GB', () => {
    expect(finding('C5').status).toBe('PASS')
  })

  it('C7: Pi on VM2 and VM4 takes at most 85% of its time on VM1', () => {
    expect(finding('C7').status).toBe('PASS')
  })

  it('C9: Pi on PHY restricted to one core is at most 5% slower than on two', () => {
    expect(finding('C9').status).toBe('PASS')
  })

  it('Figure 7: every setup shuffles and writes the same bytes on the same 12 hosts (why C6 needs a contention that grows with guests per host)', () => {
    for (const gb of [1, 8]) {
      const vm1 = run('sort', 'VM1', { dataSizeGB: gb })
      for (const setup of ['PHY', 'VM2', 'VM4']) {
        const other = run('sort', setup, { dataSizeGB: gb })
        // Sort's identity map: every input byte is shuffled once and written with two replicas.
        expect(other.extra?.shuffleBytes).toBeCloseTo(Number(vm1.extra?.shuffleBytes), -3)
        expect(other.extra?.hdfsBytesWritten).toBeCloseTo(Number(vm1.extra?.hdfsBytesWritten), -3)
        expect(Number(other.extra?.shuffleBytes)).toBeGreaterThanOrEqual(gb * 1024 ** 3 * 0.99)
      }
    }
  })

  it('Figure 8: Pi on VM1 with 2 VCPUs runs the same heartbeat-paced waves as VM1 (why C8 fails)', () => {
    const vm1 = run('pi', 'VM1', { maps: 120, samplesPerMap: 10000 }).value
    const twoVcpus = run('pi', 'VM1-2VCPU', { maps: 120, samplesPerMap: 10000 }).value
    const vm2 = run('pi', 'VM2', { maps: 120, samplesPerMap: 10000 }).value
    // 120 maps on 24 slots: at least 5 waves, each reported on a 3 s heartbeat.
    expect(vm1).toBeGreaterThanOrEqual(5 * PAPER_HADOOP.heartbeatS)
    expect(Math.abs(twoVcpus - vm1)).toBeLessThan(PAPER_HADOOP.heartbeatS)
    // More slots (VM2: 48) mean fewer waves: at least one heartbeat less.
    expect(vm2).toBeLessThan(vm1 - PAPER_HADOOP.heartbeatS)
  })
})

import { describe, it, expect } from 'vitest'
import type { RunRecord } from '@xenos/experiment-interface'
import { evaluateFindings, FINDINGS, judgeFinding, UnknownFindingError } from './findings.js'

function pi (setup: string, values: number[]): RunRecord[] {
  return values.map((value, repetition) => ({
    experiment: 'pi', setup, params: { maps: 120, samplesPerMap: 10000 }, metric: 'durationS', unit: 's', value, seed: repetition, repetition
  }))
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

  it('a verdict comes with a margin whose sign is the verdict: C7 at 70/100 holds by 0.15 - ..., at 90/100 fails by 0.05', () => {
    const pass = judgeFinding([...pi('VM1', [100]), ...pi('VM2', [70]), ...pi('VM4', [80])], 'C7')
    expect(pass!.ok).toBe(true)
    expect(pass!.margin).toBeCloseTo(0.85 - 0.80, 12)
    const fail = judgeFinding([...pi('VM1', [100]), ...pi('VM2', [70]), ...pi('VM4', [90])], 'C7')
    expect(fail!.ok).toBe(false)
    expect(fail!.margin).toBeCloseTo(0.85 - 0.90, 12)
    expect(judgeFinding(pi('VM1', [100]), 'C7')).toBeUndefined()
    expect(() => judgeFinding([], 'C99')).toThrow(UnknownFindingError)
  })

  it('every finding names the experiments it reads; only C12 (wall clock) is not a model output', () => {
    expect(FINDINGS.filter(f => !f.modelOutput).map(f => f.id)).toEqual(['C12'])
    expect(FINDINGS.find(f => f.id === 'C6')!.needs).toEqual(['sort'])
  })

  it('a finding without its runs is SKIPPED with the missing point named', () => {
    const c9 = find(pi('PHY', [10]), 'C9')
    expect(c9.status).toBe('SKIPPED')
    expect(c9.reason).toMatch(/PHY-1CORE/)
  })

  it('marks C10 as consistent by calibration (its network rate was calibrated on the paper\'s own figure) and the others as predictions', () => {
    const all = evaluateFindings([])
    expect(all.find(f => f.id === 'C10')!.basis).toBe('consistent-by-calibration')
    expect(all.find(f => f.id === 'C10')!.calibratedOn).toMatch(/40 MB\/s/)
    expect(all.filter(f => f.basis === 'consistent-by-calibration').map(f => f.id)).toEqual(['C10'])
  })

  it('judges every finding C1 to C12, then the checks beyond the paper X1 and X2', () => {
    expect(evaluateFindings([]).map(f => f.id)).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9', 'C10', 'C11', 'C12', 'X1', 'X2'])
  })
})

const GiB = 1024 ** 3

function deployRuns (method: string, m: Record<string, number>): RunRecord[] {
  return Object.entries(m).map(([metric, value]) => ({
    experiment: 'deploy', setup: method, params: { hosts: 12 }, metric, unit: '', value, seed: 1, repetition: 0
  }))
}

const paperDeploy = {
  durationS: 44 * 60,
  networkBytes: 132 * GiB,
  localCopyBytes: 132 * GiB,
  networkBps: 38e6,
  localCopyBps: 25e6,
  physicalLimitS: 1200,
  lowerBoundS: 148,
  probeMaxS: 0.05,
  probeMeanS: 0.02,
  controlPlaneHeldS: 10,
  controlPlaneMaxS: 2
}
const xenosDeploy = { ...paperDeploy, durationS: 240, localCopyBytes: 0, localCopyBps: 0, physicalLimitS: 150, controlPlaneHeldS: 5 }

function migrationRuns (m: { failed: number, totalS: number, migratedS: number, baseS: number }): RunRecord[] {
  const yes = { dataSizeGB: 8, migrated: 'yes' }
  const run = (params: Record<string, string | number>, metric: string, value: number): RunRecord => ({
    experiment: 'master-migration', setup: 'VM1', params, metric, unit: '', value, seed: 1, repetition: 0
  })
  return [
    run({ dataSizeGB: 8, migrated: 'no' }, 'durationS', m.baseS), run(yes, 'durationS', m.migratedS),
    run(yes, 'migrationTotalS', m.totalS), run(yes, 'migrationDowntimeS', m.totalS), run(yes, 'migratedAway', 1),
    run(yes, 'mapsFailed', m.failed), run(yes, 'tasksReexecuted', m.failed)
  ]
}

describe('the deployment and migration findings', () => {
  it('C10 passes when each figure is within 15% of the paper\'s, and fails naming the one that is not', () => {
    const ok = find([...deployRuns('paper', paperDeploy)], 'C10')
    expect(ok.status).toBe('PASS')
    expect(ok.evidence).toContain('time 44.0 min')
    const slow = find(deployRuns('paper', { ...paperDeploy, networkBps: 29e6 }), 'C10')
    expect(slow.status).toBe('FAIL')
    expect(slow.evidence)
      .toMatch(/network 29.0 MB\/s per transfer \(40; calibrated: .* transfers at once, the concurrency inferred from this figure\) OUT of 15%/)
    expect(ok.evidence).toMatch(/time 44.0 min \(45; the prediction\) ok/)
    expect(slow.reason).toMatch(/at once/)
  })

  it('X1 compares the two methods\' times: 11 times faster passes, 4 times fails with why', () => {
    expect(find([...deployRuns('paper', paperDeploy), ...deployRuns('xenos', xenosDeploy)], 'X1').status).toBe('PASS')
    const x1 = find([...deployRuns('paper', paperDeploy), ...deployRuns('xenos', { ...xenosDeploy, durationS: 660 })], 'X1')
    expect(x1.status).toBe('FAIL')
    expect(x1.evidence).toContain('4.0 times faster (at least 10 needed)')
    expect(x1.reason).toMatch(/lower bound/)
  })

  it('C11 needs failed maps, a migration under 5 minutes and a later job', () => {
    expect(find(migrationRuns({ failed: 20, totalS: 160, migratedS: 330, baseS: 150 }), 'C11').status).toBe('PASS')
    expect(find(migrationRuns({ failed: 0, totalS: 160, migratedS: 330, baseS: 150 }), 'C11').status).toBe('FAIL')
    expect(find(migrationRuns({ failed: 20, totalS: 320, migratedS: 330, baseS: 150 }), 'C11').status).toBe('FAIL')
    expect(find(migrationRuns({ failed: 20, totalS: 160, migratedS: 140, baseS: 150 }), 'C11').status).toBe('FAIL')
  })

  it('C12 fails when a lone call takes a second or the control plane is 5% of the deployment', () => {
    const runs = (p: Record<string, number>): RunRecord[] => [...deployRuns('paper', p), ...deployRuns('xenos', xenosDeploy)]
    expect(find(runs(paperDeploy), 'C12').status).toBe('PASS')
    expect(find(runs({ ...paperDeploy, probeMaxS: 1.2 }), 'C12').status).toBe('FAIL')
    expect(find(runs({ ...paperDeploy, controlPlaneHeldS: 140 }), 'C12').status).toBe('FAIL')
    expect(find(deployRuns('paper', paperDeploy), 'C12').status).toBe('SKIPPED')
  })
})

function hdfsOutsideVmsRuns (sortOnHostS: number): RunRecord[] {
  const run = (setup: string, job: string, dataSizeGB: number, value: number): RunRecord => ({
    experiment: 'hdfs-outside-vms', setup, params: { job, dataSizeGB }, metric: 'durationS', unit: 's', value, seed: 1, repetition: 0
  })
  return ['VM2', 'VM4'].flatMap(vm => [
    run(vm, 'sort', 8, 100), run(`${vm}-HDFSHOST`, 'sort', 8, sortOnHostS),
    run(vm, 'hdfs-put', 4, 60), run(`${vm}-HDFSHOST`, 'hdfs-put', 4, 54),
    run(vm, 'wordcount', 8, 100), run(`${vm}-HDFSHOST`, 'wordcount', 8, 103),
    run(vm, 'hdfs-get', 4, 50), run(`${vm}-HDFSHOST`, 'hdfs-get', 4, 50)
  ])
}

describe('X2, the paper\'s proposed experiment', () => {
  const runs = hdfsOutsideVmsRuns
  it('passes when Sort and put are faster over a native HDFS (Wordcount may not be)', () => {
    const x2 = find(runs(90), 'X2')
    expect(x2.status).toBe('PASS')
    expect(x2.evidence).toContain('sort 8 GB: VM2 100.0 s to 90.0 s (-10.0%)')
  })
  it('fails when Sort is not', () => {
    expect(find(runs(101), 'X2').status).toBe('FAIL')
  })
})

/** One duration run of `experiment` on `setup` at `params`. */
function duration (experiment: string, setup: string, params: Record<string, string | number>, value: number): RunRecord {
  return { experiment, setup, params, metric: 'durationS', unit: 's', value, seed: 1, repetition: 0 }
}

/** HDFS put (write) and get (read) durations per setup and point: `time(setup, op, x)`. */
function hdfsRuns (experiment: string, param: string, xs: number[], setups: string[], time: (setup: string, op: string, x: number) => number): RunRecord[] {
  return setups.flatMap(setup => ['write', 'read'].flatMap(op => xs.map(x => duration(experiment, setup, { [param]: x, op }, time(setup, op, x)))))
}

/** Durations of `experiment` at 1 and 8 GB: `time(setup, gb)`. */
function jobRuns (experiment: string, setups: string[], time: (setup: string, gb: number) => number): RunRecord[] {
  return setups.flatMap(setup => [1, 8].map(gb => duration(experiment, setup, { dataSizeGB: gb }, time(setup, gb))))
}

/** Pi's durations per setup. */
function piRuns (times: Record<string, number>): RunRecord[] {
  return Object.entries(times).flatMap(([setup, value]) => pi(setup, [value]))
}

/** 100 s on PHY, and `gap` more on every other setup. */
function vmSlower (gap: (setup: string, op: string, x: number) => number): (setup: string, op: string, x: number) => number {
  return (setup, op, x) => 100 * (1 + (setup === 'PHY' ? 0 : gap(setup, op, x)))
}

/**
 * For every finding, runs on which its judge must PASS and runs on which it
 * must FAIL: each threshold of the statement is crossed once.
 */
const OUTCOMES: Record<string, { pass: RunRecord[], fail: RunRecord[] }> = {
  C1: {
    pass: hdfsRuns('hdfs-datasize', 'dataSizeGB', [1, 4, 8], ['PHY', 'VM1'], vmSlower(() => 0.1)),
    fail: hdfsRuns('hdfs-datasize', 'dataSizeGB', [1, 4, 8], ['PHY', 'VM1'], vmSlower((_s, op, gb) => op === 'read' && gb === 8 ? -0.01 : 0.1))
  },
  C2: {
    // gaps 10%, 20%, 30%: marginal at 1 GB and growing
    pass: hdfsRuns('hdfs-datasize', 'dataSizeGB', [1, 4, 8], ['PHY', 'VM1'], vmSlower((_s, _op, gb) => gb === 1 ? 0.1 : gb === 4 ? 0.2 : 0.3)),
    // the read gap shrinks from 4 to 8 GB
    fail: hdfsRuns('hdfs-datasize', 'dataSizeGB', [1, 4, 8], ['PHY', 'VM1'],
      vmSlower((_s, op, gb) => gb === 1 ? 0.1 : gb === 4 ? 0.2 : op === 'read' ? 0.15 : 0.3))
  },
  C3: {
    pass: hdfsRuns('hdfs-datanodes', 'datanodes', [4, 8, 12], ['PHY', 'VM1', 'VM2', 'VM4'], vmSlower(() => 0.1)),
    fail: hdfsRuns('hdfs-datanodes', 'datanodes', [4, 8, 12], ['PHY', 'VM1', 'VM2', 'VM4'],
      vmSlower((setup, _op, d) => setup === 'VM4' && d === 12 ? -0.05 : 0.1))
  },
  C4: {
    // write gap 10% at 4 datanodes, 20% at 12 (twice); read gap 10% everywhere
    pass: hdfsRuns('hdfs-datanodes', 'datanodes', [4, 8, 12], ['PHY', 'VM1', 'VM2', 'VM4'], vmSlower((_s, op, d) => op === 'write' && d === 12 ? 0.2 : 0.1)),
    // write gap 10% at 4, 14% at 12: under 1.5 times
    fail: hdfsRuns('hdfs-datanodes', 'datanodes', [4, 8, 12], ['PHY', 'VM1', 'VM2', 'VM4'], vmSlower((_s, op, d) => op === 'write' && d === 12 ? 0.14 : 0.1))
  },
  C5: {
    pass: jobRuns('wordcount', ['PHY', 'VM1', 'VM2', 'VM4'], setup => ({ PHY: 50, VM1: 100, VM2: 70, VM4: 80 })[setup]!),
    fail: jobRuns('wordcount', ['PHY', 'VM1', 'VM2', 'VM4'], (setup, gb) => ({ PHY: 50, VM1: 100, VM2: 70, VM4: gb === 8 ? 101 : 80 })[setup]!)
  },
  C6: {
    pass: jobRuns('sort', ['VM1', 'VM2', 'VM4'], setup => ({ VM1: 100, VM2: 111, VM4: 120 })[setup]!),
    fail: jobRuns('sort', ['VM1', 'VM2', 'VM4'], setup => ({ VM1: 100, VM2: 109, VM4: 120 })[setup]!)
  },
  C7: {
    pass: piRuns({ VM1: 100, VM2: 85, VM4: 80 }),
    fail: piRuns({ VM1: 100, VM2: 86, VM4: 80 })
  },
  C8: {
    pass: piRuns({ 'VM1': 100, 'VM1-2VCPU': 95, 'VM2': 70, 'VM4': 80 }),
    fail: piRuns({ 'VM1': 100, 'VM1-2VCPU': 96, 'VM2': 70, 'VM4': 80 })
  },
  C9: {
    pass: piRuns({ 'PHY': 100, 'PHY-1CORE': 105 }),
    fail: piRuns({ 'PHY': 100, 'PHY-1CORE': 106 })
  },
  C10: {
    pass: deployRuns('paper', paperDeploy),
    fail: deployRuns('paper', { ...paperDeploy, durationS: 52 * 60 })
  },
  C11: {
    pass: migrationRuns({ failed: 20, totalS: 160, migratedS: 330, baseS: 150 }),
    fail: migrationRuns({ failed: 20, totalS: 300, migratedS: 330, baseS: 150 })
  },
  C12: {
    pass: [...deployRuns('paper', paperDeploy), ...deployRuns('xenos', xenosDeploy)],
    fail: [...deployRuns('paper', paperDeploy), ...deployRuns('xenos', { ...xenosDeploy, controlPlaneHeldS: 12 })]
  },
  X1: {
    pass: [...deployRuns('paper', paperDeploy), ...deployRuns('xenos', { ...xenosDeploy, durationS: paperDeploy.durationS / 10 })],
    fail: [...deployRuns('paper', paperDeploy), ...deployRuns('xenos', { ...xenosDeploy, durationS: paperDeploy.durationS / 10 + 1 })]
  },
  X2: {
    pass: hdfsOutsideVmsRuns(99),
    fail: hdfsOutsideVmsRuns(100)
  }
}

describe('the reasons of C5 and C6', () => {
  it('name each comparison that fails, at which size, and the mechanism that can decide it', () => {
    const c5 = find(OUTCOMES.C5!.fail, 'C5')
    expect(c5.reason).toMatch(/^VM4 is not faster than VM1 at 8 GB \(1\.0%\)\. More VMs add cores/)
    expect(c5.reason).toContain('page out to the one disk of its host')
    const c6 = find(OUTCOMES.C6!.fail, 'C6')
    expect(c6.reason).toMatch(/under 10% somewhere \(1 GB: VM2 1\.09, VM4 1\.20 of VM1; 8 GB: VM2 1\.09, VM4 1\.20 of VM1\)/)
    expect(c6.reason).toContain('Guest disks')
  })
})

describe('every finding\'s judge', () => {
  it('is driven to both outcomes here', () => {
    expect(Object.keys(OUTCOMES)).toEqual(evaluateFindings([]).map(f => f.id))
  })

  for (const [id, { pass, fail }] of Object.entries(OUTCOMES)) {
    it(`${id} passes on runs that meet its statement and fails, with a reason, on runs that cross one threshold`, () => {
      const passed = find(pass, id)
      expect(passed.status, passed.evidence).toBe('PASS')
      expect(passed.reason).toBeUndefined()
      const failed = find(fail, id)
      expect(failed.status, failed.evidence).toBe('FAIL')
      expect(failed.reason).toMatch(/\S/)
    })
  }
})

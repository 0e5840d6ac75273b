import { describe, it, expect } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { DEFAULT_COSTS_FILE } from '@xenos/hadoop-bench'
import type { RunRecord } from '@xenos/experiment-interface'
import { UnknownFindingError } from '../findings.js'
import { SensitivityError } from './errors.js'
import { pi } from '../definitions/index.js'
import { judgeFinding } from '../findings.js'
import { inputReaches } from './plan.js'
import { runPointHere, type PointJob, type PointResult } from './point-runs.js'
import { runSensitivity } from './run-sensitivity.js'

const input = (path: string, file = DEFAULT_COSTS_FILE): Parameters<typeof inputReaches>[0] => ({ file, path })

describe('inputReaches', () => {
  it('a job\'s cost reaches only the experiments that run that job; other costs every Hadoop experiment; platform values every experiment', () => {
    expect(inputReaches(input('jobs.pi.flopsPerSample'), DEFAULT_COSTS_FILE, 'pi')).toBe(true)
    expect(inputReaches(input('jobs.pi.flopsPerSample'), DEFAULT_COSTS_FILE, 'sort')).toBe(false)
    expect(inputReaches(input('jobs.randomwriter.mapFlopsPerByte'), DEFAULT_COSTS_FILE, 'sort')).toBe(true)
    expect(inputReaches(input('memory.kernelMiB'), DEFAULT_COSTS_FILE, 'hdfs-datasize')).toBe(true)
    expect(inputReaches(input('memory.kernelMiB'), DEFAULT_COSTS_FILE, 'deploy')).toBe(false)
    expect(inputReaches(input('network.switchLatencyS', PAPER_PLATFORM_FILE), DEFAULT_COSTS_FILE, 'deploy')).toBe(true)
  })
})

/**
 * A stand-in for the simulated Pi runs, whose outcome the test chooses:
 * PHY-1CORE's duration grows with the cost file's `flopsPerSample`
 * (C9's margin, 1.05 - PHY-1CORE / PHY, crosses 0 where 0.9 + v / 5000 =
 * 1.05, at v = 750, inside the estimate's range 253 to 1012), and the other
 * setups' durations depend on no input (C7 cannot flip): watched, PHY-1CORE
 * says it read that value and the others that they read none. Seeds shift
 * every duration a little, so the report's margin over three seeds differs
 * from seed 1's.
 */
async function fakePi (job: PointJob): Promise<PointResult> {
  const costs = await readFile(job.costsFile, 'utf8')
  const v = Number(/flopsPerSample: ([0-9.e+]+)/.exec(costs)![1])
  const durations: Record<string, number> = { 'PHY': 100, 'PHY-1CORE': 100 * (0.9 + v / 5000), 'VM1': 200, 'VM2': 120, 'VM4': 110, 'VM1-2VCPU': 150 }
  const setups = pi.points.map(p => p.setup).filter((_, i) => job.gridPoint === undefined || i === job.gridPoint)
  const runs = Array.from({ length: job.repetitions }, (_, r) => job.seed + r).flatMap(seed => setups.map((setup): RunRecord => ({
    experiment: job.experiment, setup, params: { maps: 120 }, metric: 'durationS', unit: 's', value: durations[setup]! + (seed - 1),
    seed, repetition: seed - job.seed
  })))
  return { runs, ...(job.watchReads === true ? { read: setups.includes('PHY-1CORE') ? ['costs:jobs.pi.flopsPerSample'] : [] } : {}) }
}

describe('runSensitivity', () => {
  it('a finding whose verdict flips inside an estimate\'s range is fragile; one that does not is robust', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xenos-sensitivity-'))
    try {
      const jobs: PointJob[] = []
      const progress: number[] = []
      const { analysis } = await runSensitivity({
        findings: ['C7', 'C9'], platformFile: PAPER_PLATFORM_FILE, seed: 1, repetitions: 1, outDir: out,
        run: async (job) => { jobs.push(job); return await fakePi(job) },
        onProgress: (f) => { progress.push(f) }
      })
      const [c7, c9] = analysis.findings
      expect(c9!.fragile).toBe(true)
      const perSample = c9!.inputs.find(i => i.input === 'hadoop-0.20.yaml#jobs.pi.flopsPerSample')!
      expect(perSample.flipsAbove).toBeCloseTo(750, 9)
      expect(perSample.flipsBelow).toBeUndefined()
      expect(c9!.sentence).toContain('C9 holds on the base inputs and is fragile: it holds for jobs.pi.flopsPerSample below about 750 and fails above')
      expect(c7!.fragile).toBe(false)
      expect(c7!.sentence).toMatch(/^C7 holds across the plausible range of every estimated input that reaches it/)
      // No other job's estimate reaches Pi; every estimate of both files is listed, reaching or not.
      expect(c9!.inputs.some(i => i.input.includes('#jobs.sort.'))).toBe(false)
      expect(analysis.estimates.some(e => e.input === 'hadoop-0.20.yaml#jobs.sort.mapFlopsPerByte')).toBe(true)
      // A finding judged on the wall clock is listed with why; the model's findings not asked for are not.
      expect(analysis.notAnalysed.map(n => n.id)).toEqual(['C12'])
      expect(analysis.notAnalysed[0]!.why).toMatch(/wall-clock/)
      // Each of Pi's points once on the base inputs, watched; then only the points C7 and C9 look up that read a moved value:
      // PHY-1CORE at both ends of flopsPerSample. Every other estimate reaches Pi but changes no value its points read.
      expect(jobs.slice(0, pi.points.length).map(j => [j.gridPoint, j.watchReads])).toEqual(pi.points.map((_, i) => [i, true]))
      expect(jobs.slice(pi.points.length).map(j => [j.gridPoint, j.costsFile.split('.').slice(-3).join('.')]))
        .toEqual([[5, 'flopsPerSample.low.yaml'], [5, 'flopsPerSample.high.yaml']])
      expect(analysis.perturbedRuns).toBe(2)
      expect(jobs.every(j => j.experiment === 'pi' && j.seed === 1 && j.repetitions === 1)).toBe(true)
      // Every estimate that reaches Pi is listed, and those that change nothing Pi reads leave the margin where it was.
      const kernel = c9!.inputs.find(i => i.input === 'hadoop-0.20.yaml#memory.kernelMiB')!
      expect([kernel.marginAtLow, kernel.marginAtHigh]).toEqual([c9!.baseMargin, c9!.baseMargin])
      expect(progress.at(-1)).toBe(1)
      // Each perturbed file is kept, with the one value changed.
      const text = await readFile(join(out, 'sensitivity', 'inputs', 'hadoop-0.20.jobs.pi.flopsPerSample.high.yaml'), 'utf8')
      expect(text).toMatch(/flopsPerSample: 1012/)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('reports the margins of the report\'s repetitions, moved by what each end changes on the analysis\' seed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xenos-sensitivity-'))
    try {
      const base = (await fakePi({ experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: DEFAULT_COSTS_FILE, seed: 1, repetitions: 3 })).runs
      const { analysis } = await runSensitivity({
        findings: ['C9'], inputs: ['jobs.pi.flopsPerSample'], platformFile: PAPER_PLATFORM_FILE, seed: 1, repetitions: 1, outDir: out,
        baseRuns: base, run: fakePi,
        leftOutBecause: 'not asked for'
      })
      const [c9] = analysis.findings
      // Over seeds 1-3, PHY averages 101 and PHY-1CORE 101.12: the report's margin.
      expect(c9!.baseMargin).toBeCloseTo(1.05 - 101.12 / 101, 12)
      // At the high end (1012) seed 1 moves from 100.12 / 100 to 110.24 / 100: -0.1012.
      expect(c9!.inputs[0]!.marginAtHigh).toBeCloseTo(c9!.baseMargin - 0.1012, 12)
      expect(analysis.referenceRepetitions).toBe(3)
      // Each seed alone: PHY 100 + k, PHY-1CORE 100.12 + k.
      expect(c9!.seedMargins.map(m => Number(m.toFixed(6)))).toEqual([0, 1, 2].map(k => Number((1.05 - (100.12 + k) / (100 + k)).toFixed(6))))
      expect(analysis.perturbedRuns).toBe(2)
      expect(analysis.estimates.map(e => e.input)).toEqual(['hadoop-0.20.yaml#jobs.pi.flopsPerSample'])
      // Every other finding is listed: the model's with the reason given, C12 as judged on the wall clock.
      expect(analysis.notAnalysed.find(n => n.id === 'C6')?.why).toBe('not asked for')
      expect(analysis.notAnalysed.find(n => n.id === 'C12')?.why).toMatch(/wall-clock/)
      expect(analysis.notAnalysed.some(n => n.id === 'C9')).toBe(false)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('refuses base runs that its points, run one by one, do not give', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xenos-sensitivity-'))
    try {
      const base = (await fakePi({ experiment: 'pi', platformFile: PAPER_PLATFORM_FILE, costsFile: DEFAULT_COSTS_FILE, seed: 1, repetitions: 1 })).runs
      const changed = base.map(r => r.setup === 'VM2' ? { ...r, value: r.value + 1 } : r)
      await expect(runSensitivity({
        findings: ['C7'], inputs: ['jobs.pi.flopsPerSample'], platformFile: PAPER_PLATFORM_FILE, seed: 1, repetitions: 1, outDir: out,
        baseRuns: changed, run: fakePi
      })).rejects.toThrow(/pi on the base inputs, seeds 1: expected its grid points run one by one to give the records of the report's run/)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('gives, on the model, the margins that running the whole experiment again at each end gives', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xenos-sensitivity-'))
    try {
      const inputs = ['jobs.pi.flopsPerSample', 'pageCache.nativeWorkingSetMiB', 'virtualization.netLatencyS']
      const jobs: PointJob[] = []
      const { analysis } = await runSensitivity({
        findings: ['C7', 'C9'], inputs, platformFile: PAPER_PLATFORM_FILE, seed: 3, repetitions: 1, outDir: out,
        run: async (job) => { jobs.push(job); return await runPointHere(job) }
      })
      const dir = join(out, 'sensitivity', 'inputs')
      const file = (path: string, end: string): { platformFile: string, costsFile: string } => path.startsWith('jobs.')
        ? { platformFile: PAPER_PLATFORM_FILE, costsFile: join(dir, `hadoop-0.20.${path}.${end}.yaml`) }
        : { platformFile: join(dir, `paper-2010.${path}.${end}.yaml`), costsFile: DEFAULT_COSTS_FILE }
      for (const path of inputs) {
        for (const end of ['low', 'high'] as const) {
          const whole = (await runPointHere({ experiment: 'pi', ...file(path, end), seed: 3, repetitions: 1 })).runs
          for (const f of analysis.findings) {
            const row = f.inputs.find(i => i.input.endsWith(`#${path}`))!
            expect([f.id, path, end, end === 'low' ? row.marginAtLow : row.marginAtHigh]).toEqual([f.id, path, end, judgeFinding(whole, f.id)!.margin])
          }
        }
      }
      // C7 looks up VM1, VM2 and VM4 (points 1 to 3), C9 PHY and PHY-1CORE (0 and 5): a native host's working set is read
      // only by the native points, a guest's network latency only by the points with guests; each at both ends.
      const movedAt = (path: string): number[] => jobs.filter(j => j.watchReads !== true && `${j.platformFile} ${j.costsFile}`.includes(`.${path}.`))
        .map(j => j.gridPoint!).sort((a, b) => a - b)
      expect(movedAt('pageCache.nativeWorkingSetMiB')).toEqual([0, 0, 5, 5])
      expect(movedAt('virtualization.netLatencyS')).toEqual([1, 1, 2, 2, 3, 3])
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('refuses an unknown finding, one judged on the wall clock and an unknown input', async () => {
    const init = { platformFile: PAPER_PLATFORM_FILE, seed: 1, repetitions: 1, outDir: tmpdir(), run: fakePi }
    await expect(runSensitivity({ ...init, findings: ['C99'] })).rejects.toThrow(UnknownFindingError)
    await expect(runSensitivity({ ...init, findings: ['C12'] })).rejects.toThrow(SensitivityError)
    await expect(runSensitivity({ ...init, findings: ['C9'], inputs: ['memory.noSuchMiB'] })).rejects.toThrow(/found "memory.noSuchMiB"/)
  })
})

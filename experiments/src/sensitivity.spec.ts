import { describe, it, expect } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { DEFAULT_COSTS_FILE } from '@xenos/hadoop-bench'
import type { InputSensitivity } from '@xenos/experiment-interface'
import { inputReaches, runSensitivity, sensitivitySentence, SensitivityError } from './sensitivity.js'
import { UnknownFindingError } from './findings.js'

const input = (path: string, file = DEFAULT_COSTS_FILE): Parameters<typeof inputReaches>[0] => ({ file, path, value: 1, low: 0, high: 2, why: 'x' })

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

describe('sensitivitySentence', () => {
  const row = (over: Partial<InputSensitivity>): InputSensitivity =>
    ({ input: 'f.yaml#a.b', base: 10, low: 5, high: 20, why: 'x', marginAtLow: 0.1, marginAtHigh: 0.2, ...over })
  it('says a verdict is robust when no input flips it, naming the inputs that move it most', () => {
    expect(sensitivitySentence('C7', 0.1, [row({}), row({ input: 'f.yaml#c' })]))
      .toBe('C7 holds across the plausible range of every estimated input (2, one at a time); a.b and c move its margin most.')
  })
  it('names each input that flips it, on which side and where', () => {
    const s = sensitivitySentence('C6', -0.05, [row({ marginAtLow: 0.1, flipsBelow: 7.5 }), row({ input: 'f.yaml#c', marginAtHigh: 0.3, flipsAbove: 15 })])
    expect(s).toBe('C6 fails on the base inputs and is fragile: it would hold with a.b below about 7.5 (base 10, plausible 5 to 20); '
      + 'or c above about 15 (base 10, plausible 5 to 20).')
  })
})

describe('runSensitivity', () => {
  it('moves each estimate reaching Pi across its range and judges C9 again; a flip is reported exactly where a margin changes sign', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xenos-sensitivity-'))
    try {
      const { findings, baseRuns } = await runSensitivity({ findings: ['C9'], platformFile: PAPER_PLATFORM_FILE, seed: 1, repetitions: 1, outDir: out })
      expect(baseRuns.every(r => r.experiment === 'pi')).toBe(true)
      const [c9] = findings
      expect(c9!.id).toBe('C9')
      // No input of another job reaches Pi.
      expect(c9!.inputs.some(i => i.input.includes('jobs.sort.'))).toBe(false)
      expect(c9!.inputs.some(i => i.input.endsWith('#jobs.pi.flopsPerSample'))).toBe(true)
      for (const i of c9!.inputs) {
        // A verdict flips exactly where a margin at an end has the other sign.
        const flipsLow = i.marginAtLow !== null && (i.marginAtLow >= 0) !== (c9!.baseMargin >= 0)
        expect(i.flipsBelow !== undefined).toBe(flipsLow)
        if (i.flipsBelow !== undefined) expect(i.flipsBelow).toBeGreaterThan(i.low)
        if (i.flipsAbove !== undefined) expect(i.flipsAbove).toBeLessThan(i.high)
      }
      expect(c9!.fragile).toBe(c9!.inputs.some(i => i.flipsBelow !== undefined || i.flipsAbove !== undefined))
      // Each perturbed file is kept, with the one value changed.
      const text = await readFile(join(out, 'inputs', 'hadoop-0.20.jobs.pi.flopsPerSample.high.yaml'), 'utf8')
      expect(text).toMatch(/flopsPerSample: 1012/)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  }, 600_000)

  it('refuses an unknown finding and one judged on the wall clock', async () => {
    const init = { platformFile: PAPER_PLATFORM_FILE, seed: 1, repetitions: 1, outDir: tmpdir() }
    await expect(runSensitivity({ ...init, findings: ['C99'] })).rejects.toThrow(UnknownFindingError)
    await expect(runSensitivity({ ...init, findings: ['C12'] })).rejects.toThrow(SensitivityError)
  })
})

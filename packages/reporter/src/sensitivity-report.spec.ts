import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PAPER_FIGURES, type FindingSensitivity, type SensitivityAnalysis } from '@xenos/experiment-interface'
import { describe, expect, it } from 'vitest'
import { readPngHeader } from '../test/png.js'
import { sampleFindings } from '../test/sample-findings.js'
import { sampleResultSet } from '../test/sample-result-set.js'
import { writeReport } from './write-report.js'
import { renderTornado, tornadoBars } from './render-tornado.js'

const C6: FindingSensitivity = {
  id: 'C6',
  baseMargin: -0.05,
  seedMargins: [-0.08, -0.05, -0.02],
  seeds: [1],
  fragile: true,
  sentence: 'C6 fails on the base inputs and is fragile: it holds for memory.kernelMiB above about 50 and fails below (base 40, plausible 24 to 64).',
  inputs: [
    { input: 'hadoop-0.20.yaml#memory.kernelMiB', base: 40, low: 24, high: 64, why: 'x', marginAtLow: -0.1, marginAtHigh: 0.04, flipsAbove: 50 },
    { input: 'paper-2010.yaml#network.netLatencyS', base: 30e-6, low: 10e-6, high: 60e-6, why: 'y', marginAtLow: -0.06, marginAtHigh: -0.04 },
    { input: 'paper-2010.yaml#network.switchLatencyS', base: 15e-6, low: 5e-6, high: 30e-6, why: 'y', marginAtLow: -0.05, marginAtHigh: -0.05 }
  ]
}
const C1: FindingSensitivity = {
  id: 'C1', baseMargin: 0.2, seedMargins: [], seeds: [1], fragile: false, inputs: [C6.inputs[2]!],
  sentence: 'C1 holds across the plausible range of every estimated input that reaches it (1, one at a time): its margin stays between 0.2 and 0.2.'
}
const ANALYSIS: SensitivityAnalysis = {
  seeds: [1],
  referenceRepetitions: 3,
  estimates: [
    { input: 'hadoop-0.20.yaml#memory.kernelMiB', base: 40, low: 24, high: 64, why: 'a minimal <domain> up to one with more daemons' },
    { input: 'paper-2010.yaml#network.switchLatencyS', base: 15e-6, low: 5e-6, high: 30e-6, why: 'store and forward' }
  ],
  perturbedRuns: 7,
  findings: [C1, C6],
  notAnalysed: [{ id: 'C11', why: 'not applicable: judged on wall-clock measurements' }]
}

describe('sensitivity in the report', () => {
  it('labels every verdict fragile or robust, draws a tornado chart per analysed finding with its sentence, and lists the estimates', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'xenos-report-sens-'))
    try {
      const written = await writeReport({ outDir, resultSet: sampleResultSet(), figures: PAPER_FIGURES, findings: sampleFindings(), sensitivity: ANALYSIS })
      expect(await readdir(outDir)).toEqual(expect.arrayContaining(['sensitivity-C6.png', 'sensitivity-C1.png']))
      expect(written.files.some(f => f.endsWith('sensitivity-C6.png'))).toBe(true)
      const md = await readFile(join(outDir, 'report.md'), 'utf8')
      expect(md).toContain('- Sensitivity: 1 fragile (C6), 1 robust to the 2 estimated inputs')
      expect(md).toMatch(/\| \*\*FAIL\*\* \| fragile \|/)
      expect(md).toMatch(/\| \*\*PASS\*\* \(consistent by calibration\) \| robust \|/)
      expect(md).toContain('- **Sensitivity (fragile)**: C6 fails on the base inputs and is fragile')
      expect(md).toMatch(/### C6: .* \(FAIL, fragile\)/)
      expect(md).toMatch(/### C1: .* \(PASS\)/)
      expect(md).toContain('- **Sensitivity (robust)**: C1 holds across the plausible range')
      expect(md).toContain('- **Sensitivity**: not applicable: judged on wall-clock measurements')
      expect(md).toMatch(/\| \*\*SKIPPED\*\* \| not analysed \|/)
      expect(md).toContain('](sensitivity-C6.png)')
      expect(md).toContain('the report\'s margin (3 repetitions) moved by the change that end made on seed 1')
      expect(md).toContain('| hadoop-0.20.yaml\\#memory.kernelMiB | 40 | 24 to 64 | a minimal \\<domain\\> up to one with more daemons | C6 |')
      expect(md).not.toContain('Not computed for this report')
      const html = await readFile(join(outDir, 'report.html'), 'utf8')
      expect(html).toContain('<dt>Sensitivity (fragile)</dt>')
      expect(html).toContain('<span class="status status-FAIL">FAIL</span> <span class="status status-fragile">fragile</span></h3>')
      expect(html).toContain('<dt>Sensitivity (robust)</dt>')
      expect(html).toContain('alt="C6 sensitivity" src="data:image/png;base64,')
      expect(html).toContain('<h2>Estimated inputs</h2>')
      expect(html).toContain('a minimal &lt;domain&gt; up to one with more daemons')
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  })

  it('says the analysis was not computed when none is given', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'xenos-report-sens-'))
    try {
      await writeReport({ outDir, resultSet: sampleResultSet(), figures: PAPER_FIGURES, findings: sampleFindings() })
      const md = await readFile(join(outDir, 'report.md'), 'utf8')
      expect(md).toContain('**Sensitivity to the estimated inputs**: Not computed for this report')
      expect(md).toMatch(/\| \*\*FAIL\*\* \| not computed \|/)
      expect(md).not.toContain('## Estimated inputs')
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  })

  it('a tornado chart draws the inputs that move the margin, largest swing first, taller with more; same input, same bytes', async () => {
    expect(tornadoBars(C6).map(i => i.input)).toEqual(['hadoop-0.20.yaml#memory.kernelMiB', 'paper-2010.yaml#network.netLatencyS'])
    const one = await renderTornado({ ...C6, inputs: C6.inputs.slice(0, 1) })
    const two = await renderTornado(C6)
    expect(readPngHeader(two).heightPx).toBeGreaterThan(readPngHeader(one).heightPx)
    expect((await renderTornado(C6)).equals(two)).toBe(true)
    // A finding no input moves still gets a chart (its title says so).
    expect(readPngHeader(await renderTornado(C1)).heightPx).toBeGreaterThan(0)
  })
})

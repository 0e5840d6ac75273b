import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PAPER_FIGURES, type FindingSensitivity } from '@xenos/experiment-interface'
import { describe, expect, it } from 'vitest'
import { readPngHeader } from '../test/png.js'
import { sampleFindings } from '../test/sample-findings.js'
import { sampleResultSet } from '../test/sample-result-set.js'
import { writeReport } from './write-report.js'
import { renderTornado } from './render-tornado.js'

const C6: FindingSensitivity = {
  id: 'C6',
  baseMargin: -0.05,
  seeds: [1],
  fragile: true,
  sentence: 'C6 fails on the base inputs and is fragile: it would hold with memory.kernelMiB above about 50.',
  inputs: [
    { input: 'hadoop-0.20.yaml#memory.kernelMiB', base: 40, low: 24, high: 64, why: 'x', marginAtLow: -0.1, marginAtHigh: 0.04, flipsAbove: 50 },
    { input: 'paper-2010.yaml#network.switchLatencyS', base: 15e-6, low: 5e-6, high: 30e-6, why: 'y', marginAtLow: -0.05, marginAtHigh: -0.05 }
  ]
}

describe('sensitivity in the report', () => {
  it('draws a tornado chart per analysed finding and says its sentence under the finding, fragile ones marked', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'xenos-report-sens-'))
    try {
      const written = await writeReport({ outDir, resultSet: sampleResultSet(), figures: PAPER_FIGURES, findings: sampleFindings(), sensitivity: [C6] })
      expect(await readdir(outDir)).toContain('sensitivity-C6.png')
      expect(written.files.some(f => f.endsWith('sensitivity-C6.png'))).toBe(true)
      const md = await readFile(join(outDir, 'report.md'), 'utf8')
      expect(md).toContain('- **Sensitivity (fragile)**: C6 fails on the base inputs and is fragile')
      expect(md).toContain('](sensitivity-C6.png)')
      expect(md).not.toContain('Not computed for this report')
      const html = await readFile(join(outDir, 'report.html'), 'utf8')
      expect(html).toContain('<dt>Sensitivity (fragile)</dt>')
      expect(html).toContain('alt="C6 sensitivity" src="data:image/png;base64,')
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  })

  it('says the analysis was not computed when none is given', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'xenos-report-sens-'))
    try {
      await writeReport({ outDir, resultSet: sampleResultSet(), figures: PAPER_FIGURES, findings: sampleFindings() })
      expect(await readFile(join(outDir, 'report.md'), 'utf8')).toContain('**Sensitivity to the estimated inputs**: Not computed for this report')
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  })

  it('a tornado chart has one bar per input, taller with more inputs; same input, same bytes', async () => {
    const one = await renderTornado({ ...C6, inputs: C6.inputs.slice(0, 1) })
    const two = await renderTornado(C6)
    expect(readPngHeader(two).heightPx).toBeGreaterThan(readPngHeader(one).heightPx)
    expect((await renderTornado(C6)).equals(two)).toBe(true)
  })
})

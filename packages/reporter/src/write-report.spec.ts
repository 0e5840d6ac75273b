import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PAPER_FIGURES, type FigureSpec } from '@xenos/experiment-interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPngHeader } from '../test/png.js'
import { sampleFindings } from '../test/sample-findings.js'
import { sampleResultSet } from '../test/sample-result-set.js'
import { AmbiguousFigureDataError } from './errors.js'
import { writeReport, type WrittenReport } from './write-report.js'

// Set XENOS_REPORT_SAMPLE_DIR to keep the sample report for a look (it is removed otherwise).
const keepDir = process.env.XENOS_REPORT_SAMPLE_DIR
let outDir = ''
let written: WrittenReport
let md = ''
let html = ''

beforeAll(async () => {
  outDir = keepDir ?? await mkdtemp(join(tmpdir(), 'xenos-report-'))
  written = await writeReport({ outDir, resultSet: sampleResultSet(), figures: PAPER_FIGURES, findings: sampleFindings() })
  md = await readFile(join(outDir, 'report.md'), 'utf8')
  html = await readFile(join(outDir, 'report.html'), 'utf8')
})

afterAll(async () => {
  if (keepDir === undefined && outDir !== '') await rm(outDir, { recursive: true, force: true })
})

describe('writeReport', () => {
  it('writes a PNG per figure, both CSVs, report.md and report.html', async () => {
    const files = (await readdir(outDir)).sort()
    const pngs = PAPER_FIGURES.map(f => `${f.id}.png`)
    expect(files).toEqual(expect.arrayContaining([...pngs, 'report.html', 'report.md', 'results.csv', 'summary.csv']))
    expect(written.files).toHaveLength(pngs.length + 4)
    expect(readPngHeader(await readFile(join(outDir, 'fig4.png')))).toEqual({ widthPx: 1000, heightPx: 600 })
  })

  it('report.md shows every figure with its table and every finding with status, evidence and mechanism', () => {
    for (const fig of PAPER_FIGURES) expect(md).toContain(`](${fig.id}.png)`)
    expect(md).toContain('| Data size (GB) | PHY | VM1 |')
    expect(md).toMatch(/\| 8 \| \d+\.\d ± \d+\.\d+ s \(n=3\) \|/)
    for (const f of sampleFindings()) {
      expect(md).toContain(`### ${f.id}: `)
      expect(md).toContain(`(${f.status})`)
      expect(md).toContain('**Mechanism**: ')
    }
    expect(md).toContain('**Reason**: The shuffle model is too optimistic about\\_disk\\_seeks.')
    expect(md).toContain('1 PASS, 1 FAIL, 1 SKIPPED')
    // A finding whose inputs were calibrated on its own figures is not shown as a prediction.
    expect(md).toContain('| **PASS** (consistent by calibration) |')
    expect(md).toContain('**Basis**: consistent by calibration, not a prediction: the split driver\'s latency was fitted to these very figures.')
    // The deploy runs are in no figure: they appear as other measurements.
    expect(md).toContain('## Other measurements')
    expect(md).toContain('xenos-replication')
  })

  it('report.html embeds every figure as a data URI and shows every finding', async () => {
    for (const fig of PAPER_FIGURES) {
      const png = await readFile(join(outDir, `${fig.id}.png`))
      expect(html).toContain(`src="data:image/png;base64,${png.toString('base64')}"`)
    }
    for (const f of sampleFindings()) {
      expect(html).toContain(`id="finding-${f.id.toLowerCase()}"`)
      expect(html).toContain(`status-${f.status}`)
    }
    expect(html).toContain('Shuffle traffic of co-located reducers shares one disk.')
    expect(html).toContain('<dt>Basis</dt><dd>consistent by calibration, not a prediction: '
      + 'the split driver&#39;s latency was fitted to these very figures.</dd>')
  })

  it('report.html is self-contained and escapes text', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:|\/\/|file:)/i)
    expect(html).not.toMatch(/<script|<link|@import|url\(/i)
    const srcs = [...html.matchAll(/\ssrc="([^"]*)"/g)].map(m => m[1] ?? '')
    expect(srcs).toHaveLength(PAPER_FIGURES.length)
    for (const src of srcs) expect(src.startsWith('data:image/png;base64,')).toBe(true)
    const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map(m => m[1] ?? '')
    for (const href of hrefs) expect(href.startsWith('#')).toBe(true)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;')
  })

  it('results.csv has a row per run', async () => {
    const csv = await readFile(join(outDir, 'results.csv'), 'utf8')
    expect(csv.trimEnd().split('\r\n')).toHaveLength(sampleResultSet().runs.length + 1)
  })

  it('fails before writing anything when a figure cannot be drawn unambiguously', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-report-bad-'))
    try {
      const pi = PAPER_FIGURES.find(f => f.id === 'fig8') as FigureSpec
      const bad: FigureSpec[] = [{ ...pi, id: 'figX', series: { by: 'setup' as const, order: ['PHY'] }, x: { param: 'samplesPerMap', label: 'x' } }]
      const rs = sampleResultSet()
      rs.runs.push({
        experiment: 'pi', setup: 'PHY', params: { maps: 60, samplesPerMap: 10000 }, metric: 'durationS', unit: 's', value: 30, seed: 9, repetition: 0
      })
      await expect(writeReport({ outDir: join(dir, 'out'), resultSet: rs, figures: bad, findings: [] })).rejects.toThrow(AmbiguousFigureDataError)
      await expect(readdir(join(dir, 'out'))).rejects.toThrow(/ENOENT/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PAPER_FIGURES, ResultSetValidationError, type FigureSpec } from '@xenos/experiment-interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleFindings } from '../test/sample-findings.js'
import { sampleResultSet } from '../test/sample-result-set.js'
import { InputFileError, ReportUsageError } from './errors.js'
import { runReportCommand } from './report-command.js'

let dir = ''
const quiet = { log: (): void => {} }
const fig6 = PAPER_FIGURES.find(f => f.id === 'fig6') as FigureSpec

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-report-cmd-'))
  await writeFile(join(dir, 'results.json'), JSON.stringify(sampleResultSet({ repetitions: 2 })))
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('runReportCommand', () => {
  it('writes the report for --in and --out, with injected figures and findings', async () => {
    const out = join(dir, 'out1')
    const lines: string[] = []
    const written = await runReportCommand(['--in', join(dir, 'results.json'), '--out', out], {
      figures: [fig6], evaluateFindings: () => sampleFindings(), log: l => lines.push(l)
    })
    expect(written.files.map(f => f.slice(out.length + 1))).toEqual(['fig6.png', 'results.csv', 'summary.csv', 'report.md', 'report.html'])
    expect(lines[0]).toMatch(/^report: \d+ runs from .*results\.json, 1 figures, 3 findings$/)
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('### C6: ')
  })

  it('reads --figures and --findings files', async () => {
    await writeFile(join(dir, 'figs.json'), JSON.stringify([{ ...fig6, id: 'wc' }]))
    await writeFile(join(dir, 'findings.json'), JSON.stringify([sampleFindings()[0]]))
    const out = join(dir, 'out2')
    await runReportCommand([
      '--in', join(dir, 'results.json'), '--out', out, '--figures', join(dir, 'figs.json'), '--findings', join(dir, 'findings.json')
    ], quiet)
    const md = await readFile(join(out, 'report.md'), 'utf8')
    expect(md).toContain('](wc.png)')
    expect(md).toContain('### C1: ')
    expect(md).not.toContain('### C6: ')
  })

  it('rejects missing and unknown options with a usage error', async () => {
    await expect(runReportCommand(['--out', 'x'], quiet)).rejects.toThrow(ReportUsageError)
    await expect(runReportCommand(['--in', 'x.json'], quiet)).rejects.toThrow(/expected --out/)
    await expect(runReportCommand(['--in', 'x.json', '--out', 'o', '--colour', 'red'], quiet)).rejects.toThrow(ReportUsageError)
  })

  it('names the file for a missing input and the file and field for a bad one', async () => {
    await expect(runReportCommand(['--in', join(dir, 'nope.json'), '--out', join(dir, 'o3')], quiet)).rejects.toThrow(InputFileError)
    const bad = sampleResultSet()
    ;(bad.runs[2] as unknown as Record<string, unknown>).value = 'slow'
    const badPath = join(dir, 'bad.json')
    await writeFile(badPath, JSON.stringify(bad))
    const err = await runReportCommand(['--in', badPath, '--out', join(dir, 'o4')], quiet).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ResultSetValidationError)
    expect((err as Error).message).toContain(badPath)
    expect((err as ResultSetValidationError).field).toBe('runs[2].value')
  })
})

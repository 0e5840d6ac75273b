import { describe, expect, it } from 'vitest'
import { sampleResultSet } from '../test/sample-result-set.js'
import { summarize } from './summarize.js'
import { resultsCsv, summaryCsv } from './tables.js'

/** A minimal RFC 4180 parser for checking our own output. */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++
    } else field += c
  }
  return rows
}

describe('resultsCsv', () => {
  const rs = sampleResultSet({ repetitions: 2 })
  const rows = parseCsv(resultsCsv(rs))
  const header = rows[0] ?? []
  const col = (name: string): number => header.indexOf(name)

  it('has one row per run and a column for every param of any experiment', () => {
    expect(rows).toHaveLength(rs.runs.length + 1)
    for (const p of ['param.dataSizeGB', 'param.op', 'param.datanodes', 'param.maps', 'param.samplesPerMap', 'param.hosts', 'param.perNodeMB']) {
      expect(header).toContain(p)
    }
  })

  it('carries the seed, repetition, platform (escaped) and software version on every row', () => {
    const last = rows[rows.length - 1] ?? []
    const run = rs.runs[rs.runs.length - 1]
    expect(last[col('seed')]).toBe(String(run?.seed))
    expect(last[col('repetition')]).toBe(String(run?.repetition))
    expect(last[col('platform')]).toBe('sample, "test" platform')
    expect(last[col('platformSha256')]).toBe('ab'.repeat(32))
    expect(last[col('softwareVersion')]).toBe('0.1.0')
    expect(last[col('gitCommit')]).toBe('0123456789abcdef')
    expect(last[col('backend')]).toBe('sim')
    expect(resultsCsv(rs)).toContain('"sample, ""test"" platform"')
  })

  it('leaves params a run does not have empty', () => {
    const piRow = rows.find(r => r[0] === 'pi') ?? []
    expect(piRow[col('param.maps')]).toBe('120')
    expect(piRow[col('param.dataSizeGB')]).toBe('')
  })
})

describe('summaryCsv', () => {
  it('has one row per point with n, mean, sd and CI bounds', () => {
    const summaries = summarize(sampleResultSet().runs)
    const rows = parseCsv(summaryCsv(summaries))
    const header = rows[0] ?? []
    expect(rows).toHaveLength(summaries.length + 1)
    expect(header).toEqual(expect.arrayContaining(['n', 'mean', 'sd', 'ci95HalfWidth', 'ci95Low', 'ci95High', 'min', 'max', 'seeds']))
    const first = summaries[0]
    const row = rows[1] ?? []
    expect(Number(row[header.indexOf('mean')])).toBe(first?.mean)
    expect(Number(row[header.indexOf('ci95Low')])).toBe(first?.ciLow)
    expect(row[header.indexOf('n')]).toBe('3')
  })
})

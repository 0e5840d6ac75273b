import { describe, expect, it } from 'vitest'
import { JsonParseError, ResultSetValidationError, DocumentValidationError } from './errors.js'
import { PAPER_FIGURES } from './paper-figures.js'
import { parseResultSetJson, stringifyResultSet, validateFigureSpecs, validateFindingResults, validateResultSet } from './validate.js'

function goodResultSet (): Record<string, unknown> {
  return {
    schemaVersion: 1,
    software: { name: '@xenos/cli', version: '0.1.0', gitCommit: 'abc123' },
    backend: 'sim',
    platform: { name: 'paper-cluster', file: 'platforms/paper.yaml', sha256: 'a'.repeat(64) },
    startedAt: '2026-11-25T09:00:00.000Z',
    runs: [
      {
        experiment: 'hdfs-datasize', setup: 'VM1', params: { dataSizeGB: 4, op: 'write' }, metric: 'durationS', unit: 's', value: 312.5, seed: 1, repetition: 0
      },
      { experiment: 'pi', setup: 'PHY', params: { maps: 120 }, metric: 'durationS', unit: 's', value: 90, seed: 2, repetition: 1,
        extra: { nodes: 12, mapsFailed: 0 } }
    ]
  }
}

function runsOf (value: Record<string, unknown>): Array<Record<string, unknown>> {
  return value.runs as Array<Record<string, unknown>>
}

describe('validateResultSet', () => {
  it('accepts a well-formed result set and keeps every field', () => {
    const rs = validateResultSet(goodResultSet(), 'results.json')
    expect(rs.runs).toHaveLength(2)
    expect(rs.runs[0]?.params).toEqual({ dataSizeGB: 4, op: 'write' })
    expect(rs.runs[1]?.extra).toEqual({ nodes: 12, mapsFailed: 0 })
    expect(rs.software.gitCommit).toBe('abc123')
  })

  it('names the file and the field of a wrong value', () => {
    const bad = goodResultSet()
    const run = runsOf(bad)[1]
    if (run !== undefined) run.value = 'fast'
    let caught: unknown
    try { validateResultSet(bad, '/tmp/out/results.json') } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(ResultSetValidationError)
    const err = caught as ResultSetValidationError
    expect(err.name).toBe('ResultSetValidationError')
    expect(err.code).toBe('ERR_INVALID_RESULT_SET')
    expect(err.field).toBe('runs[1].value')
    expect(err.message).toContain('/tmp/out/results.json')
    expect(err.message).toContain('runs[1].value')
  })

  it('rejects a missing field, an unknown field, a wrong schema version and a bad hash', () => {
    const missing = goodResultSet()
    delete runsOf(missing)[0]?.seed
    expect(() => validateResultSet(missing)).toThrow(/runs\[0\]\.seed/)

    const unknown = goodResultSet()
    const run0 = runsOf(unknown)[0]
    if (run0 !== undefined) run0.vaule = 3
    expect(() => validateResultSet(unknown)).toThrow(/vaule/)

    expect(() => validateResultSet({ ...goodResultSet(), schemaVersion: 2 })).toThrow(/schemaVersion/)
    expect(() => validateResultSet({ ...goodResultSet(), platform: { name: 'p', file: 'f', sha256: 'XYZ' } })).toThrow(/platform\.sha256/)
    expect(() => validateResultSet({ ...goodResultSet(), startedAt: 'yesterday' })).toThrow(/startedAt/)
    expect(() => validateResultSet({ ...goodResultSet(), backend: 'kvm' })).toThrow(/backend/)
  })

  it('accepts only the contract\'s units, clocks and counters, naming the field', () => {
    const withRun = (change: Record<string, unknown>): Record<string, unknown> => {
      const rs = goodResultSet()
      Object.assign(runsOf(rs)[1]!, change)
      return rs
    }
    expect(() => validateResultSet(withRun({ unit: 'seconds' }))).toThrow(/runs\[1\]\.unit/)
    expect(() => validateResultSet(withRun({ clock: 'simulated' }))).toThrow(/runs\[1\]\.clock/)
    expect(() => validateResultSet(withRun({ extra: { failedMapTasks: 0 } }))).toThrow(/runs\[1\]\.extra/)
    expect(() => validateResultSet(withRun({ extra: { mapsFailed: -1 } }))).toThrow(/runs\[1\]\.extra\.mapsFailed/)
    expect(validateResultSet(withRun({ unit: 'B/s', clock: 'wall' })).runs[1]).toMatchObject({ unit: 'B/s', clock: 'wall' })
  })

  it('rejects non-integer seeds and negative repetitions', () => {
    const bad = goodResultSet()
    const run = runsOf(bad)[0]
    if (run !== undefined) { run.seed = 1.5; run.repetition = -1 }
    let caught: ResultSetValidationError | undefined
    try { validateResultSet(bad) } catch (err) { caught = err as ResultSetValidationError }
    expect(caught?.issues.map(i => i.field).sort()).toEqual(['runs[0].repetition', 'runs[0].seed'])
  })
})

describe('parseResultSetJson', () => {
  it('throws JsonParseError naming the file for text that is not JSON', () => {
    expect(() => parseResultSetJson('{"runs": [', 'broken.json')).toThrow(JsonParseError)
    expect(() => parseResultSetJson('{"runs": [', 'broken.json')).toThrow(/broken\.json/)
  })

  it('round-trips a result set through JSON', () => {
    const text = JSON.stringify(goodResultSet())
    expect(parseResultSetJson(text, 'x.json')).toEqual(goodResultSet())
  })
})

describe('stringifyResultSet', () => {
  it('writes JSON that parses back to the same result set', () => {
    const rs = validateResultSet(goodResultSet())
    expect(parseResultSetJson(stringifyResultSet(rs, 'out.json'), 'out.json')).toEqual(rs)
  })

  it('refuses a NaN value instead of writing it as null', () => {
    const rs = validateResultSet(goodResultSet())
    const run = rs.runs[0]
    if (run !== undefined) run.value = Number.NaN
    expect(() => stringifyResultSet(rs, 'out.json')).toThrow(/out\.json.*runs\[0\]\.value/)
  })
})

describe('validateFigureSpecs and validateFindingResults', () => {
  it('accepts the paper figures', () => {
    expect(validateFigureSpecs(PAPER_FIGURES).map(f => f.id)).toEqual(['fig4', 'fig5', 'fig6', 'fig7', 'fig8', 'slots'])
  })

  it('rejects duplicate ids and unsafe ids', () => {
    const fig = PAPER_FIGURES[0]
    expect(() => validateFigureSpecs([fig, fig], 'figs.json')).toThrow(/duplicate id "fig4"/)
    expect(() => validateFigureSpecs([{ ...fig, id: '../evil' }], 'figs.json')).toThrow(DocumentValidationError)
  })

  it('rejects a finding with an unknown status', () => {
    const finding = { id: 'C1', title: 't', statement: 's', status: 'MAYBE', evidence: '', mechanism: '' }
    expect(() => validateFindingResults([finding], 'findings.json')).toThrow(/\[0\]\.status/)
    expect(validateFindingResults([{ ...finding, status: 'PASS' }])[0]?.status).toBe('PASS')
  })
})

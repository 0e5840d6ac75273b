import { describe, expect, it } from 'vitest'
import { csvField, toCsv } from './csv.js'

describe('csvField', () => {
  it('leaves plain text and numbers alone', () => {
    expect(csvField('VM1')).toBe('VM1')
    expect(csvField(4)).toBe('4')
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004')
  })

  it('quotes commas, quotes, newlines and edge spaces, doubling quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
    expect(csvField(' padded')).toBe('" padded"')
  })

  it('writes null, undefined and non-finite numbers as empty fields', () => {
    expect(csvField(null)).toBe('')
    expect(csvField(undefined)).toBe('')
    expect(csvField(Number.NaN)).toBe('')
  })
})

describe('toCsv', () => {
  it('writes a header and CRLF-terminated rows, padding short rows', () => {
    expect(toCsv(['a', 'b,c'], [[1, 'x"y'], [2]])).toBe('a,"b,c"\r\n1,"x""y"\r\n2,\r\n')
  })
})

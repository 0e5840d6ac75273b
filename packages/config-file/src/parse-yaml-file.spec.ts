import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import { parseYamlFile, ConfigFileError, ConfigError } from './index.js'

const schema = z.strictObject({
  name: z.string().regex(/^[a-z]+$/, { error: 'a lower-case name' }),
  hosts: z.array(z.strictObject({ cores: z.number().int().min(1) })).min(1)
})

function errorsOf (text: string): ConfigError[] {
  try {
    parseYamlFile(schema, text, 'c.yaml')
  } catch (err) {
    if (err instanceof ConfigFileError) return err.errors
    throw err
  }
  throw new Error('expected a ConfigFileError')
}

describe('parseYamlFile', () => {
  it('returns the validated value', () => {
    expect(parseYamlFile(schema, 'name: a\nhosts: [{ cores: 2 }]\n', 'c.yaml')).toEqual({ name: 'a', hosts: [{ cores: 2 }] })
  })

  it('names file, line, column, field, expected and found of every problem, in file order', () => {
    const errors = errorsOf('name: A\nhosts:\n  - cores: 0\n  - cores: 2\n    ram: 3\n')
    expect(errors.map(e => [e.line, e.field])).toEqual([[1, 'name'], [3, 'hosts[0].cores'], [5, 'hosts[1].ram']])
    expect(errors[0]!.message).toBe('c.yaml:1:7: name: expected a lower-case name, found "A"')
    expect(errors[1]!.expected).toBe('a number >= 1')
    expect(errors[2]!.found).toBe('unknown field "ram"')
  })

  it('reports broken YAML at its line, and a missing field at its parent', () => {
    expect(errorsOf('name: [a\n')[0]!.expected).toBe('valid YAML')
    const missing = errorsOf('name: a\n')
    expect(missing[0]!.field).toBe('hosts')
    expect(missing[0]!.expected).toMatch(/required/)
  })
})

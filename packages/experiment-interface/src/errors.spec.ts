/**
 * Errors of @xenos/experiment-interface: one base (`ExperimentContractError`)
 * under every class the package exports, each named as exported.
 */
import { describe, expect, it } from 'vitest'
import * as contract from './index.js'
import { ExperimentContractError } from './errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error

describe('errors of @xenos/experiment-interface', () => {
  it('all share the base ExperimentContractError and are named as exported', () => {
    const own = Object.entries(contract as Record<string, unknown>).filter((e): e is [string, Ctor] => isErrorClass(e[1]))
    expect(own.map(([n]) => n)).toContain('InvalidJobError')
    for (const [exported, c] of own) {
      expect(c === ExperimentContractError || c.prototype instanceof ExperimentContractError, `${exported} extends ExperimentContractError`).toBe(true)
      expect(c.name).toBe(exported)
    }
    const e = new contract.InvalidJobError('maps', 'an integer >= 1', 0)
    expect(e.name).toBe('InvalidJobError')
    expect(e.code).toBe('ERR_INVALID_JOB')
    expect(e.message).toBe('job maps: expected an integer >= 1, found 0')
  })
})

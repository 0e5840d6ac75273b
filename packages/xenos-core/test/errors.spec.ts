/**
 * Errors of @xenos/core: one base (`XenosError`) under every class the
 * package defines (its `testing` export included), each class's name is the name it is exported as (what
 * `err.name` gives), and the fault table names only errors that exist.
 */
import * as contract from '@xenos/hypervisor-interface'
import * as configFile from '@xenos/config-file'
import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'
import * as testing from '../src/testing/index.js'
import { FAULT_CODES, FAULTS } from '../src/api/faults.js'
import { XenosError } from '../src/errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v === Error || (v as { prototype?: unknown }).prototype instanceof Error)
const classes = (mod: Record<string, unknown>): Array<[string, Ctor]> => Object.entries(mod).filter((e): e is [string, Ctor] => isErrorClass(e[1]))

describe('errors of @xenos/core', () => {
  const others = new Set<unknown>([...Object.values(configFile), ...Object.values(contract)])
  const own = [...classes(core as Record<string, unknown>), ...classes(testing as Record<string, unknown>)].filter(([, c]) => !others.has(c))

  it('all share the base XenosError and are named as exported', () => {
    expect(own.length).toBeGreaterThan(15)
    expect(own.map(([n]) => n)).toEqual(expect.arrayContaining(['TestClusterError', 'UnknownTestTokenError']))
    for (const [exported, c] of own) {
      expect(c === XenosError || c.prototype instanceof XenosError, `${exported} extends XenosError`).toBe(true)
      expect(c.name).toBe(exported)
    }
    const e = new core.InvalidArgumentError('options.deadlineMs', 'an integer from 1 to 600000', 0)
    expect(e.name).toBe('InvalidArgumentError')
    expect(e.message).toBe('options.deadlineMs: expected an integer from 1 to 600000, found 0')
  })

  it('map to fault codes through one table that names only errors that exist, each once', () => {
    const known = new Set([...own, ...classes(contract as Record<string, unknown>)].map(([n]) => n))
    const listed = FAULTS.flatMap(f => f.errors)
    expect(listed.filter(n => !known.has(n))).toEqual([])
    expect(new Set(listed).size).toBe(listed.length)
    expect(core.faultFor(new core.ServiceNotFoundError('svc-x', 'h1'))?.faultCode).toBe(FAULT_CODES.ServiceNotFoundError)
    expect(core.faultFor(new contract.InvalidStateError('web-1', 'pause', ['running'], 'stopped'))?.faultCode).toBe(409)
    expect(core.faultFor(new Error('a bug'))).toBeUndefined()
  })
})

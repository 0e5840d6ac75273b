/**
 * Errors of @xenos/experiments: one base (`ExperimentsError`) under every
 * class the package exports, each named as exported, and one testbed error
 * (`TestbedError`) under the errors of every testbed.
 */
import * as contract from '@xenos/experiment-interface'
import { describe, expect, it } from 'vitest'
import * as experiments from './index.js'
import { ExperimentsError, TestbedError } from './errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error
const extendsOrIs = (c: Ctor, base: Ctor): boolean => c === base || c.prototype instanceof base

describe('errors of @xenos/experiments', () => {
  const others = new Set<unknown>(Object.values(contract))
  const own = Object.entries(experiments as Record<string, unknown>).filter((e): e is [string, Ctor] => isErrorClass(e[1]) && !others.has(e[1]))

  it('all share the base ExperimentsError and are named as exported', () => {
    expect(own.length).toBeGreaterThan(15)
    for (const [exported, c] of own) {
      expect(extendsOrIs(c, ExperimentsError), `${exported} extends ExperimentsError`).toBe(true)
      expect(c.name).toBe(exported)
    }
  })

  it('the errors of every testbed, simulated or in the lab, are TestbedErrors', () => {
    for (const c of [experiments.XenTestbedError, experiments.TestbedPreflightError, experiments.ApiClusterError, experiments.SimXenosError]) {
      expect(extendsOrIs(c, TestbedError), `${c.name} extends TestbedError`).toBe(true)
    }
    const e = new experiments.MissingTokenError('XENOS_TOKEN', 'nothing')
    expect(e).toBeInstanceOf(TestbedError)
    expect(e.name).toBe('MissingTokenError')
    expect(e.message).toBe('expected the Xenos API token in XENOS_TOKEN, found nothing')
  })
})

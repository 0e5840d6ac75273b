/**
 * Errors of @xenos/sim-engine: one base (`SimEngineError`) under every class
 * the package exports, each named as exported, and one argument error
 * (`EngineArgumentError`) under every "bad argument" class.
 */
import { describe, expect, it } from 'vitest'
import * as engine from '../src/index.js'
import { SimEngineError, EngineArgumentError } from '../src/engine/errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error
const extendsOrIs = (c: Ctor, base: Ctor): boolean => c === base || c.prototype instanceof base

describe('errors of @xenos/sim-engine', () => {
  const own = Object.entries(engine as Record<string, unknown>).filter((e): e is [string, Ctor] => isErrorClass(e[1]))

  it('all share the base SimEngineError and are named as exported', () => {
    expect(own.length).toBeGreaterThan(10)
    for (const [exported, c] of own) {
      expect(extendsOrIs(c, SimEngineError), `${exported} extends SimEngineError`).toBe(true)
      expect(c.name).toBe(exported)
    }
  })

  it('a bad argument is an EngineArgumentError wherever it is refused', () => {
    const argumentClasses = own.filter(([n]) => /Argument/.test(n))
    expect(argumentClasses.map(([n]) => n).sort()).toEqual([
      'ActivityArgumentError', 'EngineArgumentError', 'InvalidLmmArgumentError', 'InvalidRandomArgumentError', 'VmArgumentError'
    ])
    for (const [exported, c] of argumentClasses) expect(extendsOrIs(c, EngineArgumentError), `${exported} extends EngineArgumentError`).toBe(true)
    const e = new engine.InvalidRandomArgumentError('int', 'a positive safe integer', 0)
    expect(e).toBeInstanceOf(EngineArgumentError)
    expect(e.name).toBe('InvalidRandomArgumentError')
    expect(e.message).toBe('Random.int: expected a positive safe integer, found 0')
    expect(new engine.VmArgumentError('name', 'a guest name', 'a b').message).toBe('name: expected a guest name, found "a b"')
  })
})

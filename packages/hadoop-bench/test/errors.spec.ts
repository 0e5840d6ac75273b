/**
 * Errors of @xenos/hadoop-bench: one base (`HadoopBenchError`) under every
 * class the package defines, each named as exported, and one layout error.
 */
import * as contract from '@xenos/experiment-interface'
import { describe, expect, it } from 'vitest'
import * as bench from '../src/index.js'
import { HadoopBenchError, LayoutError } from '../src/errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error

describe('errors of @xenos/hadoop-bench', () => {
  const others = new Set<unknown>(Object.values(contract))
  const own = Object.entries(bench as Record<string, unknown>).filter((e): e is [string, Ctor] => isErrorClass(e[1]) && !others.has(e[1]))

  it('all share the base HadoopBenchError and are named as exported', () => {
    expect(own.length).toBeGreaterThan(10)
    for (const [exported, c] of own) {
      expect(c === HadoopBenchError || c.prototype instanceof HadoopBenchError, `${exported} extends HadoopBenchError`).toBe(true)
      expect(c.name).toBe(exported)
    }
  })

  it('a layout that cannot be used is a LayoutError, in the simulated cluster and in the configuration files', () => {
    const e = new bench.InvalidLayoutError('slaves[1]', 'a b')
    expect(e).toBeInstanceOf(LayoutError)
    expect(e.name).toBe('InvalidLayoutError')
    expect(e.message).toBe('cluster layout slaves[1]: expected a host name, found "a b"')
  })
})

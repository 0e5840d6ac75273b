import { describe, expect, it } from 'vitest'
import * as deployer from '../src/index.js'
import * as testing from '../src/testing/index.js'
import { DeployerError } from '../src/errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error
const classes = (mod: Record<string, unknown>): Array<[string, Ctor]> => Object.entries(mod).filter((e): e is [string, Ctor] => isErrorClass(e[1]))

describe('errors of @xenos/deployer', () => {
  it('all share the base DeployerError and are named as exported', () => {
    const own = [...classes(deployer as Record<string, unknown>), ...classes(testing as Record<string, unknown>)]
    expect(own.length).toBeGreaterThan(5)
    for (const [exported, c] of own) {
      expect(c === DeployerError || c.prototype instanceof DeployerError, `${exported} extends DeployerError`).toBe(true)
      expect(c.name).toBe(exported)
    }
    const e = new deployer.DeploymentTimeoutError('web-1', 60, 'starting')
    expect(e.name).toBe('DeploymentTimeoutError')
    expect(e.message).toBe('service web-1: expected state running within 60 s, found starting')
  })
})

import { describe, expect, it } from 'vitest'
import * as configFile from './index.js'
import { ConfigFileBaseError } from './config-error.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error

describe('errors of @xenos/config-file', () => {
  const own = Object.entries(configFile as Record<string, unknown>).filter((e): e is [string, Ctor] => isErrorClass(e[1]))

  it('all share the base ConfigFileBaseError and are named as exported', () => {
    expect(own.map(([n]) => n).sort()).toEqual(['ConfigError', 'ConfigFileBaseError', 'ConfigFileError'])
    for (const [exported, c] of own) {
      expect(c === ConfigFileBaseError || c.prototype instanceof ConfigFileBaseError, `${exported} extends ConfigFileBaseError`).toBe(true)
      expect(c.name).toBe(exported)
    }
    const one = new configFile.ConfigError('hosts.yaml', 3, 7, 'hosts', 'a number >= 1', 'number 0')
    const all = new configFile.ConfigFileError('hosts.yaml', [one])
    expect(one.name).toBe('ConfigError')
    expect(all.name).toBe('ConfigFileError')
    expect(all.message).toBe('hosts.yaml: 1 error(s):\n  hosts.yaml:3:7: hosts: expected a number >= 1, found number 0')
  })
})

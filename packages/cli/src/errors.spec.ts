/**
 * Errors of @xenos/cli: one base (`CliError`) under every error class any
 * module of the package defines, each named as its module exports it.
 */
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as cli from './index.js'
import { CliError } from './errors.js'

type Ctor = abstract new (...args: never[]) => unknown
const isErrorClass = (v: unknown): v is Ctor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error

describe('errors of @xenos/cli', () => {
  it('every error class a module exports extends CliError and is named as exported', async () => {
    const src = dirname(fileURLToPath(import.meta.url))
    // main.ts runs the program when imported; it defines nothing.
    const files = (await readdir(src, { recursive: true })).filter(f => f.endsWith('.ts') && !f.endsWith('.spec.ts') && f !== 'main.ts')
    const own = new Map<string, Ctor>()
    for (const f of files) {
      const mod = await import(pathToFileURL(join(src, f)).href) as Record<string, unknown>
      for (const [exported, v] of Object.entries(mod)) if (isErrorClass(v)) own.set(`${f}: ${exported}`, v)
    }
    expect([...own.values()]).toContain(cli.UsageError)
    for (const [where, c] of own) {
      expect(c === CliError || c.prototype instanceof CliError, `${where} extends CliError`).toBe(true)
      expect(c.name).toBe(where.split(': ')[1])
    }
  }, 120_000)
})

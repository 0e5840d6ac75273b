// The import-cycle rule of lint (`eslint/no-import-cycle.mjs`), run by ESLint
// itself on small packages written to a temporary folder.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const eslintBin = join(here, '..', 'node_modules', 'eslint', 'bin', 'eslint.js')
const rule = pathToFileURL(join(here, 'eslint', 'no-import-cycle.mjs')).href
const parser = pathToFileURL(createRequire(import.meta.url).resolve('typescript-eslint')).href
let dir = ''

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'xenos-cycle-')) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

function write (files: Record<string, string>): void {
  writeFileSync(join(dir, 'eslint.config.mjs'), [
    `import xenos from ${JSON.stringify(rule)}`,
    `import tseslint from ${JSON.stringify(parser)}`,
    'export default [{',
    '  files: [\'**/*.ts\'], languageOptions: { parser: tseslint.parser }, plugins: { xenos }, rules: { \'xenos/no-import-cycle\': \'error\' }',
    '}]'
  ].join('\n'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

/** The cycle messages ESLint reports, as "file: message". */
function lint (): string[] {
  const r = spawnSync(process.execPath, [eslintBin, '--format', 'json', 'src'], { cwd: dir, encoding: 'utf8' })
  expect(r.stderr).toBe('')
  const results = JSON.parse(r.stdout) as Array<{ filePath: string, messages: Array<{ ruleId: string | null, message: string }> }>
  const fatal = results.flatMap(f => f.messages.filter(m => m.ruleId === null))
  expect(fatal).toEqual([])
  return results.flatMap(f => f.messages.filter(m => m.ruleId === 'xenos/no-import-cycle').map(m => `${f.filePath.slice(dir.length + 1)}: ${m.message}`))
}

describe('xenos/no-import-cycle', () => {
  it('finds a cycle made of type-only imports, at every module on it', () => {
    write({
      'src/driver.ts': 'import { save } from \'./checkpoint.js\'\nexport class Driver { save () { return save(this) } }\n',
      'src/checkpoint.ts': 'import type { Driver } from \'./driver.js\'\nexport function save (d: Driver) { return d }\n'
    })
    expect(lint().sort()).toEqual([
      'src/checkpoint.ts: import cycle: src/checkpoint.ts > src/driver.ts > src/checkpoint.ts (split out what both sides need, or pass a narrow interface)',
      'src/driver.ts: import cycle: src/driver.ts > src/checkpoint.ts > src/driver.ts (split out what both sides need, or pass a narrow interface)'
    ])
  })

  it('follows re-exports, index files and folders over three modules', () => {
    write({
      'src/a.ts': 'export * from \'./lib/index.js\'\nexport const a = 1\n',
      'src/lib/index.ts': 'export { b } from \'./b.js\'\n',
      'src/lib/b.ts': 'import { a } from \'../a.js\'\nexport const b = a\n'
    })
    const found = lint()
    expect(found).toHaveLength(3)
    expect(found).toContain(
      'src/a.ts: import cycle: src/a.ts > src/lib/index.ts > src/lib/b.ts > src/a.ts (split out what both sides need, or pass a narrow interface)'
    )
  })

  it('accepts a narrow interface in place of the cycle, and imports of packages', () => {
    write({
      'src/driver.ts': [
        'import { save } from \'./checkpoint.js\'',
        'import { z } from \'zod\'',
        'export class Driver { n = z.string(); save () { return save({ name: \'x\' }) } }',
        ''
      ].join('\n'),
      'src/checkpoint.ts': 'import type { Named } from \'./context.js\'\nexport function save (d: Named) { return d.name }\n',
      'src/context.ts': 'export interface Named { name: string }\n'
    })
    expect(lint()).toEqual([])
  })
})

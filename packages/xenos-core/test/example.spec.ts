/**
 * The example of `src/index.ts`, run as it is written: its code block is
 * taken from the module comment, its imports pointed at the sources and its
 * data folders at a temporary directory, and it must finish and print the
 * two hosts a search finds.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'

const index = fileURLToPath(new URL('../src/index.ts', import.meta.url))
let dir: string | undefined
let module: string | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  if (module !== undefined) await rm(module, { force: true })
})

describe('the package example', () => {
  it('runs as written in src/index.ts', async () => {
    const source = await readFile(index, 'utf8')
    const block = /@example\n \* ```ts\n([\s\S]*?)\n \* ```/.exec(source)?.[1]
    expect(block).toBeDefined()
    dir = await mkdtemp(join(tmpdir(), 'xenos-example-'))
    const code = block!.split('\n').map(l => l.replace(/^ \* ?/, '')).join('\n')
      .replace('from \'@xenos/core\'', 'from \'../src/index.js\'')
      .replaceAll('/tmp/xenos/', `${dir}/`)
    module = fileURLToPath(new URL(`./.example-${process.pid}.ts`, import.meta.url))
    await writeFile(module, `${code}\nexport {}\n`)
    const printed: unknown[][] = []
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { printed.push(args) })
    await import(/* @vite-ignore */ module)
    expect(printed).toEqual([[['node01', 'node02']]])
  })
})

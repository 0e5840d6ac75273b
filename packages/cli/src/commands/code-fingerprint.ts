/**
 * A fingerprint of the code that runs: a SHA-256 over the code of this
 * package and of every `@xenos/*` package it depends on, directly or not
 * (their `dist` trees when the command runs built, their `src` trees when it
 * runs from sources; source maps and declarations left out). Two runs with
 * the same fingerprint run the same code, so a result one made can stand for
 * the other's (the sensitivity analysis' cache of runs).
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const SKIPPED = /\.(map|d\.ts|tsbuildinfo)$/

async function filesUnder (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && !SKIPPED.test(e.name)).map(e => join(e.parentPath, e.name)).sort()
}

/** The package directories of `@xenos/cli` and of every `@xenos/*` package it reaches through its dependencies, by name. */
async function packageDirs (ownDir: string): Promise<Map<string, string>> {
  const dirs = new Map<string, string>()
  const visit = async (name: string, dir: string): Promise<void> => {
    if (dirs.has(name)) return
    dirs.set(name, dir)
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
    const require = createRequire(join(dir, 'package.json'))
    for (const dep of Object.keys(pkg.dependencies ?? {}).filter(d => d.startsWith('@xenos/')).sort()) {
      await visit(dep, dirname(require.resolve(`${dep}/package.json`)))
    }
  }
  await visit('@xenos/cli', ownDir)
  return dirs
}

export async function codeFingerprint (): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url))
  const codeDir = basename(dirname(here))
  const ownDir = dirname(dirname(here))
  const hash = createHash('sha256')
  for (const [name, dir] of [...await packageDirs(ownDir)].sort((a, b) => a[0].localeCompare(b[0]))) {
    for (const file of await filesUnder(join(dir, codeDir))) {
      hash.update(`${name}/${relative(dir, file)}\n`)
      hash.update(await readFile(file))
    }
  }
  return hash.digest('hex')
}

/**
 * Rewrites the generated parts of docs/api.md from the API's method table.
 *
 * Run: `npm run docs -w @xenos/core` (or, from packages/xenos-core,
 * `node ../../scripts/run-ts.mjs scripts/api-doc.ts [-- --check]`).
 * `--check` changes nothing and fails when the file is not current.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { renderApiDoc } from '../src/api/api-doc.js'

/** docs/api.md of the repository. */
export const API_DOC_FILE = fileURLToPath(new URL('../../../docs/api.md', import.meta.url))

export async function main (argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log('usage: api-doc [--check]\nRewrites the generated parts of docs/api.md from the method table; --check only says whether it is current.')
    return
  }
  const text = await readFile(API_DOC_FILE, 'utf8')
  const fresh = renderApiDoc(text)
  if (fresh === text) { console.log(`${API_DOC_FILE}: current`); return }
  if (argv.includes('--check')) {
    process.exitCode = 1
    console.error(`${API_DOC_FILE}: expected the generated parts to match the method table, found them out of date (run npm run docs -w @xenos/core)`)
    return
  }
  await writeFile(API_DOC_FILE, fresh)
  console.log(`${API_DOC_FILE}: written`)
}

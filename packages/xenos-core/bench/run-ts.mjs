// Runs TypeScript bench modules of this package through Vite's module runner
// (siblings resolve to their sources via the `@xenos/source` condition) and
// calls each one's `main(argv)`.
// Usage: node bench/run-ts.mjs [bench/<file>.bench.ts ...] [-- args...]
// With no file, runs every bench/*.bench.ts in name order.
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runnerImport, defaultServerConditions } from 'vite'

const argv = process.argv.slice(2)
const split = argv.indexOf('--')
const files = (split === -1 ? argv : argv.slice(0, split)).filter(a => a.endsWith('.ts'))
const args = split === -1 ? argv.filter(a => !a.endsWith('.ts')) : argv.slice(split + 1)
const here = new URL('.', import.meta.url).pathname
const targets = files.length > 0 ? files : readdirSync(here).filter(f => f.endsWith('.bench.ts')).sort().map(f => join(here, f))
for (const file of targets) {
  const { module } = await runnerImport(resolve(file), {
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions: ['@xenos/source'] },
    ssr: { resolve: { conditions: ['@xenos/source', ...defaultServerConditions] } }
  })
  if (typeof module.main !== 'function') {
    console.error(`${file}: expected an exported main(argv), found none`)
    process.exit(2)
  }
  await module.main(args)
}

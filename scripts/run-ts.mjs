// Runs TypeScript bench modules of a package through Vite's module runner
// (siblings resolve to their sources via the `@xenos/source` condition, as
// in tests) and calls each one's exported `main(argv)`, in order.
//
// Usage, from a package folder (what its `bench` script does):
//   node ../../scripts/run-ts.mjs [bench/<file>.ts ...] [-- args...]
// With no file: every bench/*.bench.ts of the current folder, in name order.
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { runnerImport, defaultServerConditions } from 'vite'

const argv = process.argv.slice(2)
if (argv.includes('--help')) {
  console.log('usage: node ../../scripts/run-ts.mjs [bench/<file>.ts ...] [-- args...]\nWith no file, runs every bench/*.bench.ts of the current folder.')
  process.exit(0)
}
const split = argv.indexOf('--')
const files = (split === -1 ? argv : argv.slice(0, split)).filter(a => a.endsWith('.ts'))
const args = split === -1 ? argv.filter(a => !a.endsWith('.ts')) : argv.slice(split + 1)
const benchDir = resolve('bench')
const targets = files.length > 0 ? files.map(f => resolve(f)) : readdirSync(benchDir).filter(f => f.endsWith('.bench.ts')).sort().map(f => join(benchDir, f))
for (const file of targets) {
  const { module } = await runnerImport(file, {
    configFile: false,
    logLevel: 'warn',
    resolve: { conditions: ['@xenos/source'] },
    ssr: { resolve: { conditions: ['@xenos/source', ...defaultServerConditions] } },
    // the runner externalizes bare imports (Node would load the siblings'
    // dist/): inline @xenos/* so that they too come from their sources
    environments: { inline: { resolve: { noExternal: [/^@xenos\//], conditions: ['@xenos/source', ...defaultServerConditions] } } }
  })
  if (typeof module.main !== 'function') {
    console.error(`${file}: expected an exported main(argv), found none`)
    process.exit(2)
  }
  await module.main(args)
}

// Runs a TypeScript bench module of this package through Vite's module runner
// (siblings resolve to their sources via the `@xenos/source` condition), and
// calls its `main(argv)`. Usage: node bench/run-ts.mjs bench/<file>.ts [args...]
import { resolve } from 'node:path'
import { runnerImport, defaultServerConditions } from 'vite'

const [file, ...args] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: node bench/run-ts.mjs bench/<file>.ts [args...]')
  process.exit(2)
}
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

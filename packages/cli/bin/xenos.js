#!/usr/bin/env node
// The `xenos` command. Runs the built CLI (packages/cli/dist); `npm run build`
// (or any of the README's commands) builds it.
import { existsSync } from 'node:fs'
import module from 'node:module'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/main.js', import.meta.url)
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(`xenos: expected Node 22 or newer, found ${process.version}. Run it through npm (npx xenos ...) or put the project's Node first on PATH: export PATH=$PWD/node_modules/.bin:$PATH`)
  process.exit(1)
}
if (!existsSync(fileURLToPath(entry))) {
  console.error('xenos: expected a built CLI at packages/cli/dist/main.js, found none. Run: npm run build')
  process.exit(1)
}
// Node's compile cache (in the system's temporary folder): later runs skip parsing and compiling
// the CLI's modules and their dependencies, a third of a cold start.
module.enableCompileCache?.()
const { main } = await import(entry.href)
process.exitCode = await main(process.argv)

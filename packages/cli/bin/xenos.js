#!/usr/bin/env node
// The `xenos` command. Runs the built CLI (packages/cli/dist); `npm run build`
// (or any of the README's commands) builds it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import module from 'node:module'
import { totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'

const entry = new URL('../dist/main.js', import.meta.url)
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(`xenos: expected Node 22 or newer, found ${process.version}.`
    + ' Run it through npm (npx xenos ...) or put the project\'s Node first on PATH: export PATH=$PWD/node_modules/.bin:$PATH')
  process.exit(1)
}
if (!existsSync(fileURLToPath(entry))) {
  console.error('xenos: expected a built CLI at packages/cli/dist/main.js, found none. Run: npm run build')
  process.exit(1)
}

// A simulation at scale (`xenos sim-scale`) holds more than Node's default heap limit allows on
// many machines (2 to 4 GiB, set from the machine's memory): the command then runs in a child
// Node whose heap may take three quarters of the machine's memory, so that no user needs a Node
// flag. XENOS_HEAP_RAISED marks the child, which never raises it again.
// The child's heap also grows by at most 30% of what the last full collection kept: a boot of
// 400,000 domains keeps a few GiB alive and makes garbage fast, and V8's own rule (up to 4 times
// what was kept) let the heap reach 4.4 GB holding 1.9 GB (peak RSS 4.5 to 4.9 GiB); with the
// cap it peaks at 3.4 GiB, for more collections (marking runs beside the simulation).
const heapWantedMiB = Math.floor(totalmem() / 1024 / 1024 * 0.75)
const HEAP_GROWING_PERCENT = 30
const raiseHeap = process.argv[2] === 'sim-scale' && process.env.XENOS_HEAP_RAISED === undefined
  && getHeapStatistics().heap_size_limit / 1024 / 1024 < heapWantedMiB

if (raiseHeap) {
  const child = spawn(process.execPath, [
    `--max-old-space-size=${heapWantedMiB}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`, ...process.execArgv, ...process.argv.slice(1)
  ], {
    stdio: 'inherit',
    env: { ...process.env, XENOS_HEAP_RAISED: String(heapWantedMiB) }
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { child.kill(signal) })
  child.on('error', (err) => {
    console.error(`xenos: expected to start Node with a ${heapWantedMiB} MiB heap, found an error: ${err.message}`)
    process.exitCode = 1
  })
  child.on('exit', (code, signal) => { process.exitCode = code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1) })
} else {
  // Node's compile cache (in the system's temporary folder): later runs skip parsing and compiling
  // the CLI's modules and their dependencies, a third of a cold start.
  module.enableCompileCache?.()
  const { main } = await import(entry.href)
  process.exitCode = await main(process.argv)
}

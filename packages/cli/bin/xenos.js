#!/usr/bin/env node
// The `xenos` command. Runs the built CLI (packages/cli/dist); `npm run build`
// (or any of the README's commands) builds it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import module from 'node:module'
import { totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { raisedHeap, SIMULATION_V8_FLAGS, withSimulationFlags } from './heap.js'

const entry = new URL('../dist/main.js', import.meta.url)
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  console.error(`xenos: expected Node 24 or newer, found ${process.version}.`
    + ' Run it through npm (npx xenos ...) or put the project\'s Node first on PATH: export PATH=$PWD/node_modules/.bin:$PATH')
  process.exit(1)
}
if (!existsSync(fileURLToPath(entry))) {
  console.error('xenos: expected a built CLI at packages/cli/dist/main.js, found none. Run: npm run build')
  process.exit(1)
}

// `xenos sim-scale` runs in a child Node with a larger heap (bin/heap.js says why and when).
const raised = raisedHeap(process.argv, process.env, getHeapStatistics().heap_size_limit, totalmem())

if (raised !== undefined) {
  const child = spawn(process.execPath, [...raised.flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, XENOS_HEAP_RAISED: String(raised.wantedMiB) }
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { child.kill(signal) })
  child.on('error', (err) => {
    console.error(`xenos: expected to start Node with a ${raised.wantedMiB} MiB heap, found an error: ${err.message}`)
    process.exitCode = 1
  })
  child.on('exit', (code, signal) => { process.exitCode = code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1) })
} else {
  // The V8 flags of simulations (bin/heap.js says which and why), before any of their code is compiled,
  // and in process.execArgv, which the Node processes this one forks start with.
  for (const flag of SIMULATION_V8_FLAGS) setFlagsFromString(flag)
  process.execArgv.splice(0, process.execArgv.length, ...withSimulationFlags(process.execArgv))
  // Node's compile cache (in the system's temporary folder): later runs skip parsing and compiling
  // the CLI's modules and their dependencies, a third of a cold start.
  module.enableCompileCache?.()
  const { main } = await import(entry.href)
  process.exitCode = await main(process.argv)
}

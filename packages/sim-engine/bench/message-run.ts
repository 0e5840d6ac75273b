/**
 * One run of the message scenario in a fresh process, for `messages.bench.ts`
 * (which spawns it compiled, `node dist/bench/bench/message-run.js HOSTS`).
 * Arguments: HOSTS [MESSAGES_PER_HOST]. Prints one JSON line: hosts,
 * messages, simS, meanArrivalS, runS (wall seconds from creating the engine
 * to the end of the run), runCpuS (CPU seconds of the process over the same
 * span), runMainCpuS (CPU seconds of its main thread over the same span) and startS (wall seconds from the start of the process to the
 * creation of the engine: Node's start-up and the loading of the modules,
 * through Node's compile cache as the `xenos` command loads them).
 */
import module from 'node:module'
import { performance } from 'node:perf_hooks'

// As the `xenos` command does: Node's compile cache, then the engine's modules.
module.enableCompileCache?.()
const { messageScenario } = await import('./message-scenario.js')

const hosts = Number(process.argv[2])
const messagesPerHost = process.argv[3] === undefined ? 100 : Number(process.argv[3])
const startS = performance.now() / 1000
const c0 = process.cpuUsage()
const m0 = process.threadCpuUsage()
const t0 = performance.now()
const r = await messageScenario({ hosts, messagesPerHost })
const runS = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(c0)
const main = process.threadCpuUsage(m0)
console.log(JSON.stringify({ ...r, runS, runCpuS: (cpu.user + cpu.system) / 1e6, runMainCpuS: (main.user + main.system) / 1e6, startS }))

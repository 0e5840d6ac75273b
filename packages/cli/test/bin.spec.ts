import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript next to the `xenos` launcher, read before anything is built
import { raisedHeap, SIMULATION_V8_FLAGS, withSimulationFlags } from '../bin/heap.js'

const GiB = 1024 * 1024 * 1024

type Raised = { wantedMiB: number, flags: string[] } | undefined
const raise = raisedHeap as (argv: string[], env: Record<string, string | undefined>, heapLimitBytes: number, totalMemBytes: number) => Raised
const simulationFlags = SIMULATION_V8_FLAGS as string[]
const withFlags = withSimulationFlags as (execArgv: string[]) => string[]

function node (args: string[]): Promise<{ code: number, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr })
    })
  })
}

describe('the xenos launcher', () => {
  it('runs sim-scale in a child Node whose heap may take three quarters of the memory', () => {
    const r = raise(['node', 'xenos', 'sim-scale', '--hosts', '100000'], {}, 4 * GiB, 16 * GiB)
    expect(r?.wantedMiB).toBe(12 * 1024)
    expect(r?.flags).toEqual(['--max-old-space-size=12288', '--heap-growing-percent=30', '--max-semi-space-size=64'])
  })

  it('runs every other command, a child already raised, and a Node with heap enough in this process', () => {
    expect(raise(['node', 'xenos', 'paper'], {}, 4 * GiB, 16 * GiB)).toBeUndefined()
    expect(raise(['node', 'xenos', 'sim-scale'], { XENOS_HEAP_RAISED: '12288' }, 4 * GiB, 16 * GiB)).toBeUndefined()
    expect(raise(['node', 'xenos', 'sim-scale'], {}, 13 * GiB, 16 * GiB)).toBeUndefined()
  })

  it('gives the child flags this Node accepts, and the heap limit they ask for', async () => {
    const r = raise(['node', 'xenos', 'sim-scale'], {}, 1, 8 * GiB)
    expect(r).toBeDefined()
    const probe = 'const v8 = require("node:v8"); process.stderr.write(String(v8.getHeapStatistics().heap_size_limit))'
    const child = await node([...(r?.flags ?? []), '-e', probe])
    expect(child.code, child.stderr).toBe(0)
    expect(Number(child.stderr) / 1024 / 1024).toBeGreaterThanOrEqual(6 * 1024)
  })

  it('gives its simulations V8 flags this Node accepts (a flag set at run time that V8 does not know is ignored silently)', async () => {
    expect(simulationFlags.length).toBeGreaterThan(0)
    const child = await node([...simulationFlags, '-e', '0'])
    expect(child.code, child.stderr).toBe(0)
  })

  it('lists the flags of its simulations in the flags of the Node processes it forks, once', () => {
    expect(withFlags(['--enable-source-maps'])).toEqual(['--enable-source-maps', ...simulationFlags])
    expect(withFlags([...simulationFlags, '--enable-source-maps'])).toEqual([...simulationFlags, '--enable-source-maps'])
  })
})

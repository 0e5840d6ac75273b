/** The engine example of `src/index.ts`, run, with its figures derived from the paper platform. */
import { describe, it, expect } from 'vitest'
import { Engine, loadPlatform, PAPER_PLATFORM_FILE } from '../src/index.js'

describe('index.ts engine example', () => {
  it('runs on the paper platform and gives the figures the platform implies', async () => {
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    const engine = new Engine({ seed: 42, platform })
    const [a, b] = [engine.host('node01'), engine.host('node02')]
    const vm = a.createVm({ name: 'web-1', vcpus: 1, memoryMiB: 384 })
    const copy = engine.comm({ from: vm, to: b, bytes: 1e9 }).start()
    const work = engine.exec({ on: vm, flops: 5e9 }).start()
    await engine.run()
    // Transfer: NIC 125e6 B/s x TCP efficiency 0.941 (Domain 0: 2 cores x 2.53e9 / 12 flops per byte
    // = 422e6 B/s, not the bottleneck), after NIC + switch + NIC + guest latencies.
    const latencyS = 20e-6 + 15e-6 + 20e-6 + 30e-6
    expect(copy.finishedAtS).toBeCloseTo(latencyS + 1e9 / (125e6 * 0.941), 9)
    // Computation: one VCPU = one 2.53 GHz core; Domain 0's 1.41e9 flops/s for the transfer
    // leave 3.65e9 of the host's 5.06e9, more than the core the guest can use.
    expect(work.finishedAtS).toBeCloseTo(5e9 / 2.53e9, 9)
    expect(vm.usage.netTxBytes).toBe(1e9)
    expect(vm.usage.cpuTimeS).toBeCloseTo(5e9 / 2.53e9, 9)
  })
})

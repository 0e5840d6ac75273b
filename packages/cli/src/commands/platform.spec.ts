import { describe, it, expect } from 'vitest'
import { IMAGE_BACKENDS, loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { buildProgram } from '../program.js'
import { platformCommand } from './platform.js'

describe('xenos platform check', () => {
  it('validates the paper platform and reports each setup\'s memory budget from Hadoop\'s configuration', async () => {
    let out = ''
    const program = buildProgram([(p) => { platformCommand(p, { out: (s) => { out += s } }) }], { out: (s) => { out += s }, err: () => {} })
    await program.parseAsync(['node', 'xenos', 'platform', 'check', PAPER_PLATFORM_FILE])
    expect(out).toContain('ok: platform paper-2010, 13 hosts, 26 cores')
    const platform = await loadPlatform(PAPER_PLATFORM_FILE)
    expect(out).toContain(`guest disks: ${IMAGE_BACKENDS[platform.virtualization.imageBackend]}`)
    expect(out).toMatch(/VM1 guest \(x1\): 384 MiB = kernel and base system \d+, DataNode \d+, TaskTracker \d+, 2 x map JVM/)
    expect(out).toMatch(/VM1 guest .* MiB to swap/)
    expect(out).toMatch(/PHY host: 2048 MiB = .*: fits/)
  })
})

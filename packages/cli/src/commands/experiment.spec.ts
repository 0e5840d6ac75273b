import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SHIPPED_PLATFORMS_DIR } from '@xenos/sim-engine'
import { buildProgram } from '../program.js'
import { experimentCommands } from './experiment.js'
import { JOURNAL_FILE, type RunIdentity } from '@xenos/experiments'

let dir = ''
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'xenos-cli-exp-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function run (argv: string[]): Promise<{ out: string, error?: Error }> {
  let out = ''
  const program = buildProgram([(p) => { experimentCommands(p, { out: (s) => { out += s } }) }], { out: (s) => { out += s }, err: (s) => { out += s } })
  try {
    await program.parseAsync(['node', 'xenos', ...argv])
    return { out }
  } catch (error) {
    return { out, error: error as Error }
  }
}

describe('xenos experiment run --backend xen', () => {
  it('documents --testbed in --help', async () => {
    const r = await run(['experiment', 'run', '--help'])
    expect(r.out).toMatch(/--testbed <file>\s+testbed file of the real lab, --backend xen/)
    expect(r.out).toMatch(/--platform <file>\s+simulated platform file, --backend sim/)
  })

  it('asks for a testbed file, and refuses one with the simulated cluster', async () => {
    const none = await run(['experiment', 'run', 'pi', '--backend', 'xen', '--out', join(dir, 'o')])
    expect(none.error?.name).toBe('UsageError')
    expect(none.error?.message).toMatch(/--backend xen: expected --testbed FILE .* found none/)
    const sim = await run(['experiment', 'run', 'pi', '--testbed', 'lab.yaml', '--out', join(dir, 'o')])
    expect(sim.error?.message).toMatch(/--testbed: expected only with --backend xen/)
    const both = await run(['paper', '--backend', 'xen', '--testbed', 'lab.yaml', '--platform', 'p.yaml'])
    expect(both.error?.message).toMatch(/--platform: expected only with --backend sim/)
  })

  it('names a missing file, and an invalid one by file, line and field', async () => {
    const missing = await run(['experiment', 'run', 'pi', '--backend', 'xen', '--testbed', join(dir, 'nope.yaml'), '--out', join(dir, 'o')])
    expect(missing.error?.message).toBe(`--testbed: expected a readable testbed file, found none at ${join(dir, 'nope.yaml')}`)
    const bad = join(dir, 'bad.yaml')
    const noSlaves = 'name: lab\napi: { endpoints: [https://node00:7001/RPC2] }\nmasterHost: node00\nslaveHosts: []\n'
      + 'hadoop: { home: /opt/hadoop, line: "1", start: [/opt/start] }\n'
    await writeFile(bad, noSlaves)
    const invalid = await run(['experiment', 'run', 'pi', '--backend', 'xen', '--testbed', bad, '--out', join(dir, 'o')])
    expect(invalid.error?.name).toBe('ConfigFileError')
    expect(invalid.error?.message).toContain(`${bad}:4:13: slaveHosts: expected at least one slave host`)
  })

  it('needs the API token the testbed file points at before touching the lab', async () => {
    const file = join(dir, 'lab.yaml')
    const lab = `name: lab\napi: { endpoints: [http://127.0.0.1:9/RPC2], tokenFile: ${join(dir, 'no-token')} }\n`
      + 'masterHost: node00\nslaveHosts: [node01]\nhadoop: { home: /opt/hadoop, line: "1", start: [/opt/start] }\n'
    await writeFile(file, lab)
    const r = await run(['experiment', 'run', 'pi', '--backend', 'xen', '--testbed', file, '--out', join(dir, 'o')])
    expect(r.error?.name).toBe('MissingTokenError')
  })

  it('refuses, before touching the lab, a testbed file that lacks what the experiments need', async () => {
    const file = join(dir, 'small.yaml')
    const small = 'name: lab\napi: { endpoints: [http://127.0.0.1:9/RPC2], tokenEnv: XENOS_CLI_TEST_TOKEN }\nmasterHost: node00\nslaveHosts: [node01]\n'
      + 'hadoop: { home: /opt/hadoop, line: "1", start: [/opt/start] }\nsetups:\n  VM1: { master: m, slaves: s }\n'
    await writeFile(file, small)
    process.env.XENOS_CLI_TEST_TOKEN = 'xenos_test'
    try {
      const r = await run(['experiment', 'run', 'master-migration', '--backend', 'xen', '--testbed', file, '--out', join(dir, 'o')])
      expect(r.error?.name).toBe('TestbedPreflightError')
      expect(r.error?.message).toContain('master-migration: 12 slave hosts wanted, slaveHosts lists 1')
    } finally {
      delete process.env.XENOS_CLI_TEST_TOKEN
    }
  })
})

describe('xenos paper: its sensitivity stage', () => {
  it('says in --help what the stage does, how to skip it and which findings it analyses', async () => {
    const r = await run(['paper', '--help'])
    const text = r.out.replace(/\s+/g, ' ')
    expect(text).toContain('--no-sensitivity skip the stage after the figures')
    expect(text).toContain('(default: C1, C2, C3, C4, C5, C6, C7, C8, C9, X2: those whose experiments start no coordinators)')
  })

  it('refuses, before any run, findings it cannot analyse and a bad worker count', async () => {
    const out = join(dir, 'paper-out')
    const wall = await run(['paper', '--sensitivity-of', 'C12', '--out', out])
    expect(wall.error?.name).toBe('UsageError')
    expect(wall.error?.message).toMatch(/--sensitivity-of: expected "all" or findings judged on the model \(C1, .*\), found "C12"/)
    const workers = await run(['paper', '--workers', '0', '--out', out])
    expect(workers.error?.message).toBe('--workers: expected an integer >= 1, found "0"')
    await expect(readFile(join(out, 'results.json'))).rejects.toThrow(/ENOENT/)
  })
})

describe('xenos experiment run --backend sim', () => {
  it('refuses, before running anything, a platform with fewer slave hosts than the experiments want', async () => {
    const modern = await readFile(join(SHIPPED_PLATFORMS_DIR, 'modern-10gbe.yaml'), 'utf8')
    const small = join(dir, 'three-hosts.yaml')
    await writeFile(small, modern.replace(/count: 12/, 'count: 2'))
    const r = await run(['experiment', 'run', 'pi', '--platform', small, '--out', join(dir, 'small-out')])
    expect(r.error?.name).toBe('PlatformPreflightError')
    expect(r.error?.message).toContain('pi: 12 slave hosts wanted, the platform has 2 (3 hosts, the first one the master)')
    await expect(readFile(join(dir, 'small-out', 'results.json'))).rejects.toThrow(/ENOENT/)
  })

  it('keeps a journal while it runs and continues from it: a finished step is not run again', async () => {
    const out = join(dir, 'pi-out')
    const done = await run(['experiment', 'run', 'pi', '--repeat', '1', '--out', out])
    expect(done.error).toBeUndefined()
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { runs: Array<{ value: number }> }
    await expect(readFile(join(out, JOURNAL_FILE))).rejects.toThrow(/ENOENT/) // removed once the results are written
    // a journal of the same run that already holds the step (with a value no simulation gives): it is taken as it is
    const header = { journal: 1, identity: await identityOf(out) }
    const step = { experiment: 'pi', repetition: 0, seed: 1, runs: [{ ...(results.runs[0] as object), value: 4242, seed: 1, repetition: 0 }] }
    await writeFile(join(out, JOURNAL_FILE), `${JSON.stringify(header)}\n${JSON.stringify(step)}\n`)
    const resumed = await run(['experiment', 'run', 'pi', '--repeat', '1', '--out', out])
    expect(resumed.error).toBeUndefined()
    const again = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { runs: Array<{ value: number }> }
    expect(again.runs.map(r => r.value)).toEqual([4242])
  })
})

/** The identity the CLI gave its run, read back from the results it wrote. */
async function identityOf (out: string): Promise<RunIdentity> {
  type Written = { backend: string, platform: { name: string, sha256: string }, software: RunIdentity['software'] }
  const rs = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Written
  return {
    backend: rs.backend,
    platform: { name: rs.platform.name, sha256: rs.platform.sha256 },
    experiments: ['pi'],
    seed: 1,
    repetitions: 1,
    software: rs.software
  }
}

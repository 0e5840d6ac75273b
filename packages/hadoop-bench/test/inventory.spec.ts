import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hadoopConfig } from '../src/hadoop-config.js'
import { ConfigFileError, type ConfigError } from '@xenos/config-file'
import { inventoryLayout, loadInventory, parseInventory, phyRunner } from '../src/inventory.js'
import { PAPER_HADOOP } from '../src/setups.js'
import { manualClock } from '@xenos/hypervisor-interface'
import { has, ReplayRunner, transcript } from './replay-runner.js'

const GOOD = `# PHY: the paper's 12 hosts booted without Xen
master: node00
slaves:
  - node01
  - node02
  - node03
ssh:
  user: hadoop
  keyFile: /home/hadoop/.ssh/id_rsa
  options: [StrictHostKeyChecking=accept-new]
hadoop:
  home: /opt/hadoop-0.20.2
  line: "1"
  examplesJar: /opt/hadoop-0.20.2/hadoop-0.20.2-examples.jar
`

/** The first problem reported (errors come in file order). */
const fail = (text: string): ConfigError => {
  try { parseInventory(text, 'phy.yaml') } catch (e) { if (e instanceof ConfigFileError && e.errors[0] !== undefined) return e.errors[0]; throw e }
  throw new Error('expected a ConfigFileError')
}

describe('parseInventory', () => {
  it('reads a valid inventory; the line may be written as a number', () => {
    const inv = parseInventory(GOOD, 'phy.yaml')
    expect(inv.master).toBe('node00')
    expect(inv.slaves).toEqual(['node01', 'node02', 'node03'])
    expect(inv.hadoop.line).toBe('1')
    expect(parseInventory(GOOD.replace('line: "1"', 'line: 2'), 'phy.yaml').hadoop.line).toBe('2+')
    expect(parseInventory(GOOD.replace(/ssh:[\s\S]*?hadoop:/, 'hadoop:'), 'phy.yaml').ssh).toEqual({})
  })

  it('a wrong value names file, line, field, expected and found', () => {
    const e = fail(GOOD.replace('  - node02', '  - "node 02"'))
    expect(e.name).toBe('ConfigError')
    expect(e.file).toBe('phy.yaml')
    expect(e.line).toBe(5)
    expect(e.field).toBe('slaves[1]')
    expect(e.expected).toMatch(/host name/)
    expect(e.found).toBe('"node 02"')
    expect(e.message).toBe(`phy.yaml:5:5: slaves[1]: expected ${e.expected}, found "node 02"`)
  })

  it('a missing field points at its parent', () => {
    const e = fail(GOOD.replace('  home: /opt/hadoop-0.20.2\n', ''))
    expect(e.field).toBe('hadoop.home')
    expect(e.line).toBe(12)
    expect(e.found).toBe('nothing')
  })

  it('the master listed as a slave, and a slave twice, are refused', () => {
    expect(fail(GOOD.replace('  - node03', '  - node00')).expected).toMatch(/other than the master/)
    const dup = fail(GOOD.replace('  - node03', '  - node01'))
    expect(dup.line).toBe(6)
    expect(dup.expected).toMatch(/each slave once/)
  })

  it('unknown keys, bad lines, relative paths and broken YAML are refused', () => {
    expect(fail(`${GOOD}extra: 1\n`).found).toBe('unknown field "extra"')
    expect(fail(GOOD.replace('line: "1"', 'line: "0.20"')).expected).toMatch(/"1" \(0.20\/1.x\) or "2\+"/)
    expect(fail(GOOD.replace('keyFile: /home', 'keyFile: home')).field).toBe('ssh.keyFile')
    expect(fail('master: [unclosed\n').expected).toBe('valid YAML')
    expect(fail(GOOD.replace('master: node00', 'master: node00\nmaster: node09')).expected).toBe('valid YAML')
  })

  it('loads from a file, naming the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-inv-'))
    try {
      await writeFile(join(dir, 'ok.yaml'), GOOD)
      await writeFile(join(dir, 'bad.yaml'), GOOD.replace('node01', '-bad'))
      expect((await loadInventory(join(dir, 'ok.yaml'))).slaves).toHaveLength(3)
      await expect(loadInventory(join(dir, 'bad.yaml'))).rejects.toThrow(`${join(dir, 'bad.yaml')}:4:5: slaves[0]`)
    } finally { await rm(dir, { recursive: true, force: true }) }
  })
})

describe('PHY from an inventory', () => {
  it('gives the Hadoop layout and config files of the native cluster', () => {
    const files = hadoopConfig(inventoryLayout(parseInventory(GOOD, 'phy.yaml')), PAPER_HADOOP, '1')
    expect(files.masters).toBe('node00\n')
    expect(files.slaves).toBe('node01\nnode02\nnode03\n')
  })

  it('runs a job on the inventory\'s Hadoop with no coordinator', async () => {
    const clock = manualClock()
    const runner = new ReplayRunner([
      { expect: 'mkdir', match: has('mkdir', '-p', '/tmp/xenos-bench'), result: {} },
      {
        expect: 'pi with the configured jar',
        match: has('/opt/hadoop-0.20.2/bin/hadoop', 'jar', '/opt/hadoop-0.20.2/hadoop-0.20.2-examples.jar', 'pi', '120', '10000'),
        result: { stdout: transcript('h1-pi.txt') },
        takesS: 72
      }
    ], clock)
    const r = await phyRunner(parseInventory(GOOD, 'phy.yaml'), clock, runner).run({ kind: 'pi', maps: 120, samplesPerMap: 10000 })
    expect(r.durationS).toBe(72)
    expect(r.counters.mapsLaunched).toBe(120)
  })
})

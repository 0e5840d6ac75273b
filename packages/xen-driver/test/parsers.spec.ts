import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseXlInfo, parseXlList, parseXlListLong, parseXentop, stateOf, XlOutputError } from '../src/index.js'
import { DOUBLE_BIN } from './xl-double.js'

const transcript = (name: string): string => readFileSync(new URL(`./transcripts/${name}`, import.meta.url), 'utf8')

function expectOutputError (fn: () => unknown, line: RegExp): XlOutputError {
  try { fn() } catch (err) {
    expect(err).toBeInstanceOf(XlOutputError)
    expect((err as XlOutputError).line).toMatch(line)
    expect((err as Error).message).toMatch(/expected .* found the line/)
    return err as XlOutputError
  }
  return expect.unreachable('expected an XlOutputError')
}

describe('parseXlInfo', () => {
  it.each([
    ['xl-info-4.14.txt', 'node07', '4.14.6', 8, 3392.302, 32643, 27458],
    ['xl-info-4.19.txt', 'lab-xen-2', '4.19.1', 16, 2894.56, 65401, 56913]
  ])('reads %s', (file, host, version, cpus, mhz, total, free) => {
    const info = parseXlInfo(transcript(file))
    expect(info).toMatchObject({ host, xenVersion: version, nrCpus: cpus, cpuMHz: mhz, totalMemoryMiB: total, freeMemoryMiB: free })
    expect(info.fields.xen_changeset).toBe('')
  })

  it('names a line that is not key : value', () => {
    const err = expectOutputError(() => parseXlInfo(transcript('xl-info-4.19.txt') + 'numa_placement is now automatic\n', 'xl info'), /numa_placement/)
    expect(err.command).toBe('xl info')
  })

  it('refuses output without the memory figures', () => {
    expectOutputError(() => parseXlInfo('host : a\nnr_cpus : 2\ncpu_mhz : 1000\ntotal_memory : 10\n'), /free_memory/)
  })

  it('skips the topology tables of xl info -n', () => {
    const numa = 'cpu_topology           :\ncpu:    core    socket     node\n  0:       0        0        0\n'
      + 'numa_info              :\nnode:    memsize    memfree    distances\n   0:      2048       1500      10\n'
    expect(parseXlInfo(transcript('xl-info-4.14.txt') + numa).nrCpus).toBe(8)
  })
})

describe('parseXlList', () => {
  it('reads the 4.14 table: running, blocked, paused, crashed and long names', () => {
    const rows = parseXlList(transcript('xl-list-4.14.txt'))
    expect(rows.map(r => [r.name, r.domid, r.memMiB, r.vcpus, r.flags, r.cpuTimeS])).toEqual([
      ['Domain-0', 0, 4096, 8, 'r-----', 1523.4],
      ['hadoop-master', 3, 2048, 2, '-b----', 88.1],
      ['hadoop-worker-with-a-rather-long-name-01', 4, 1024, 1, '--p---', 12],
      ['crashed-guest', 5, 512, 1, '---sc-', 3.2]
    ])
    expect(rows[2]?.paused).toBe(true)
    expect(rows[3]).toMatchObject({ shutdown: true, shutdownReason: 'c' })
  })

  it('reads xl list -v (4.17) with uuids', () => {
    const rows = parseXlList(transcript('xl-list-v-4.17.txt'), 'xl list -v')
    expect(rows[1]).toMatchObject({ name: 'guest1', domid: 7, uuid: '5f3c2b1a-8d4e-4c6f-9a7b-1e2d3c4b5a69' })
  })

  it('maps the state letters to contract states (a powered-off guest awaiting clean-up is stopped)', () => {
    const row = (flags: string): string => 'Name                                        ID   Mem VCPUs\tState\tTime(s)\n'
      + `g1                                           7   128     1     ${flags}       1.0\n`
    const state = (flags: string): string => stateOf(parseXlList(row(flags))[0]!)
    expect(['r-----', '-b----', '------', '--p---', '--ps--', '---s--', '--psc-', '---sc-', '-b---d', '---sr-'].map(state))
      .toEqual(['running', 'running', 'running', 'paused', 'stopped', 'stopped', 'crashed', 'crashed', 'stopped', 'running'])
  })

  it('names an unexpected line', () => {
    expectOutputError(() => parseXlList(transcript('xl-list-4.14.txt') + 'Domain-X  garbage line\n'), /garbage/)
    expectOutputError(() => parseXlList('Name ID Memory\n'), /Memory/)
  })
})

describe('parseXlListLong', () => {
  it('reads the 4.17 JSON, Domain-0 included', () => {
    const doms = parseXlListLong(transcript('xl-list-l-4.17.json'))
    expect(doms[0]).toMatchObject({ domid: 0, name: 'Domain-0', memoryMiB: 512, disks: [], nics: [] })
    expect(doms[1]).toEqual({
      domid: 7, name: 'guest1', uuid: '5f3c2b1a-8d4e-4c6f-9a7b-1e2d3c4b5a69', type: 'pvh', vcpus: 1, memoryMiB: 128,
      kernel: '/srv/xen/boot/vmlinuz', ramdisk: '/srv/xen/boot/guest-initrd.gz', cmdline: 'console=hvc0 panic=-1 quiet',
      disks: [{ path: '/var/lib/xenos/images/guest1.img', vdev: 'xvda', format: 'raw', readwrite: true }],
      nics: [{ mac: '00:16:3e:5b:5a:69', bridge: 'xenbr0' }]
    })
  })

  it('reads the kernel of older configs from b_info["type.pv"]', () => {
    const old = JSON.stringify([{ domid: 2, config: { c_info: { type: 'pv', name: 'old' }, b_info: { 'type.pv': { kernel: '/boot/k' } } } }])
    expect(parseXlListLong(old)[0]?.kernel).toBe('/boot/k')
  })

  it('names the line of SXP output (output_format="sxp")', () => {
    expectOutputError(() => parseXlListLong('(domain\n\t(domid 7)\n\t(create_info)\n)'), /\(domain/)
  })
})

describe('parseXentop', () => {
  it('reads batch rows, "no limit" and "-" counters', () => {
    const rows = parseXentop(transcript('xentop-4.17.txt'))
    expect(rows.map(r => r.name)).toEqual(['Domain-0', 'guest1', 'hadoop-worker-with-a-rather-long-name-01'])
    expect(rows[1]).toMatchObject({ cpuTimeS: 2, memKiB: 131072, netTxKiB: 12, netRxKiB: 34, vbdReadSectors: 18432, vbdWriteSectors: 2048 })
    expect(rows[2]?.vbdReadSectors).toBe(0)
  })

  it('names an unexpected line', () => {
    expectOutputError(() => parseXentop(transcript('xentop-4.17.txt') + 'VBD BlkBack  51712 [ca: 0] OO: 0\n'), /VBD BlkBack/)
  })
})

describe('the test double prints what the parsers read', () => {
  const root = mkdtempSync(join(tmpdir(), 'xl-double-fmt-'))
  mkdirSync(join(root, 'h'))
  writeFileSync(join(root, 'h', 'host.json'), JSON.stringify({ hostname: 'h', totalMiB: 1024, dom0MiB: 512, nrCpus: 2, cpuMhz: '2394.454' }))
  const env = (host: string): NodeJS.ProcessEnv => ({ ...process.env, XL_DOUBLE_ROOT: root, XL_DOUBLE_HOST: host, XL_DOUBLE_NODE: process.execPath })
  const run = (cmd: string, args: string[]): string => execFileSync(join(DOUBLE_BIN, cmd), args, { env: env('h'), encoding: 'utf8' })

  it('xl info, xl list, xl list -l, xentop', () => {
    expect(parseXlInfo(run('xl', ['info']))).toMatchObject({ host: 'h', totalMemoryMiB: 1024, freeMemoryMiB: 512, xenVersion: '4.17.3' })
    expect(parseXlList(run('xl', ['list']))[0]).toMatchObject({ name: 'Domain-0', memMiB: 512 })
    expect(parseXlListLong(run('xl', ['list', '-l']))[0]?.name).toBe('Domain-0')
    expect(parseXentop(run('xentop', ['-b', '-i', '1', '-f']))[0]?.name).toBe('Domain-0')
  })

  it('answers like real xl without a hypervisor when the host is unknown', () => {
    try {
      execFileSync(join(DOUBLE_BIN, 'xl'), ['list'], { env: env('nohost'), encoding: 'utf8', stdio: 'pipe' })
      expect.unreachable('xl should fail')
    } catch (err) {
      expect((err as { status: number }).status).toBe(1)
      expect((err as { stderr: string }).stderr).toBe('cannot init xl context\n')
    }
  })
})

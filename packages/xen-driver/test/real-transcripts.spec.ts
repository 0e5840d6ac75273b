// Real xl 4.17.7 output, recorded on the emulated Xen testbed (Debian 12's
// xen-utils-4.17 under QEMU, see testbed/): the parsers read it, and the
// test double answers the same commands with the same standard error and
// exit codes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseXlInfo, parseXlList, parseXlListLong, parseXentop } from '../src/index.js'
import { DOUBLE_BIN } from './xl-double.js'

const DIR = new URL('./transcripts/real-4.17/', import.meta.url)

/** A recorded command: `$ argv`, then stdout, stderr and the exit code. */
interface Transcript { command: string, stdout: string, stderr: string, exitCode: number }

function transcript (file: string): Transcript {
  const text = readFileSync(new URL(file, DIR), 'utf8')
  const m = /^\$ (.*)\n--- stdout\n([\s\S]*?)--- stderr\n([\s\S]*?)--- exit code (\d+)\n?$/.exec(text)
  if (m === null) throw new Error(`transcript ${file}: expected "$ cmd / --- stdout / --- stderr / --- exit code", found something else`)
  return { command: m[1]!.trim(), stdout: m[2]!, stderr: m[3]!, exitCode: Number(m[4]) }
}

describe('parsers on real xl 4.17.7 output', () => {
  it('xl info', () => {
    expect(parseXlInfo(transcript('xl-info.txt').stdout))
      .toMatchObject({ host: 'a', xenVersion: '4.17.7', nrCpus: 2, cpuMHz: 2596.094, totalMemoryMiB: 1023, freeMemoryMiB: 368 })
  })

  it('xl list, paused, -v', () => {
    expect(parseXlList(transcript('xl-list.txt').stdout)[1]).toMatchObject({ name: 'g1', domid: 1, memMiB: 128, blocked: true, paused: false })
    expect(parseXlList(transcript('xl-list-paused.txt').stdout)[1]).toMatchObject({ paused: true })
    expect(parseXlList(transcript('xl-list-verbose.txt').stdout)[1]?.uuid).toBe('a06c84d7-762c-4a48-b89b-0b143c9afbbc')
  })

  it('xl list -l, all domains and one', () => {
    const all = parseXlListLong(transcript('xl-list-l.txt').stdout)
    expect(all.map(d => [d.domid, d.name, d.memoryMiB])).toEqual([[0, 'Domain-0', 512], [1, 'g1', 128]])
    const [g1] = parseXlListLong(transcript('xl-list-l-domain.txt').stdout)
    expect(g1).toMatchObject({
      type: 'pvh',
      kernel: '/guest/vmlinuz',
      ramdisk: '/guest/initrd.gz',
      disks: [{ path: '/work/main/.testbed/share/g1.img', vdev: 'xvda', format: 'raw', readwrite: true }],
      nics: []
    })
  })

  it('xentop -b -i 1', () => {
    const rows = parseXentop(transcript('xentop.txt').stdout)
    expect(rows[1]).toMatchObject({ name: 'g1', memKiB: 131136, vbdReadSectors: 24 })
  })
})

describe('the test double answers as real xl 4.17 does', () => {
  let root: string
  const run = (args: string[]): { stdout: string, stderr: string, exitCode: number } => {
    const env = { ...process.env, PATH: `${DOUBLE_BIN}:${process.env.PATH ?? ''}`, XL_DOUBLE_ROOT: root, XL_DOUBLE_HOST: 'a', XL_DOUBLE_NODE: process.execPath }
    const r = spawnSync(join(DOUBLE_BIN, 'xl'), args, { cwd: root, env, encoding: 'utf8' })
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 }
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'xl-double-real-'))
    mkdirSync(join(root, 'a'))
    writeFileSync(join(root, 'a', 'host.json'), JSON.stringify({ hostname: 'a', totalMiB: 1023, dom0MiB: 512, nrCpus: 2, cpuMhz: '2596.094' }))
    writeFileSync(join(root, 'k'), 'kernel')
    writeFileSync(join(root, 'g1.img'), '')
    const cfg = (name: string, mem: number): string => `name = "${name}"\ntype = "pvh"\nmemory = ${mem}\nvcpus = 1\nkernel = "${join(root, 'k')}"\n`
      + `disk = [ 'format=raw, vdev=xvda, access=rw, target=${join(root, 'g1.img')}' ]\n`
    writeFileSync(join(root, 'g1.cfg'), cfg('g1', 128))
    writeFileSync(join(root, 'big.cfg'), cfg('big', 4096))
    // the recorded host had g1 (domid 1) running and g2 created then destroyed: the next domid was 3
    run(['create', 'g1.cfg'])
    run(['create', 'big.cfg'])
  })
  afterAll(() => { rmSync(root, { recursive: true, force: true }) })

  const errorFiles = readdirSync(DIR).filter(f => /^err-.*nosuch|^err-unknown|^err-restore-missing|^err-create-missing-config/.test(f))

  it.each(errorFiles)('%s: same standard error and exit code', (file) => {
    const t = transcript(file)
    // the recorder wrote arguments shell-quoted: `xl migrate -s '' nosuch xl\ migrate-receive`
    const args = (t.command.replace(/^xl /, '').match(/(?:\\ |[^\s])+/g) ?? []).map(a => a.replace(/\\ /g, ' ').replace(/^''$/, ''))
    const got = run(args)
    expect(got.exitCode).toBe(t.exitCode)
    expect(got.stderr).toBe(t.stderr)
    expect(got.stdout).toBe(t.stdout)
  })

  it('err-create-exists: same messages (domids follow this double host)', () => {
    const t = transcript('err-create-exists.txt')
    const got = run(['create', 'g1.cfg'])
    expect(got.exitCode).toBe(t.exitCode)
    const normalise = (s: string): string => s.replace(/Domain \d+:|domid=\d+|\/libxl\/\d+\//g, 'D')
    expect(normalise(got.stderr)).toBe(normalise(t.stderr))
  })

  it('err-create-no-memory: same messages', () => {
    const t = transcript('err-create-no-memory.txt')
    const got = run(['create', 'big.cfg'])
    expect(got.exitCode).toBe(t.exitCode)
    const normalise = (s: string): string => s.replace(/Domain \d+:/g, 'D')
    expect(normalise(got.stderr)).toBe(normalise(t.stderr))
  })

  it('pause twice: silent, exit 0 both times', () => {
    for (const file of ['pause-twice-1.txt', 'pause-twice-2.txt']) {
      const t = transcript(file)
      expect(run(['pause', 'g1'])).toEqual({ stdout: t.stdout, stderr: t.stderr, exitCode: t.exitCode })
    }
  })

  it('migrate to the same host prints the same sequence of messages', () => {
    const t = transcript('xl-migrate-same-host.txt')
    run(['unpause', 'g1']) // the recorded guest was running: xl cannot suspend a paused one
    const got = run(['migrate', '-s', '', 'g1', 'xl migrate-receive'])
    expect(got.exitCode).toBe(0)
    const normalise = (s: string): string[] => s.split('\n').filter(l => l !== '')
      .map(l => l.replace(/info 0x3\/0x0\/\d+/, 'info').replace(/Saving domain \d+/, 'Saving domain N'))
    expect(normalise(got.stderr).sort()).toEqual(normalise(t.stderr).sort())
  })
})

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { shellQuote, sshArgs, sshRunner } from '../src/real/command-runner.js'
import { localSizeCommand, randomFileCommand, randomWriterDefines, textFileCommand } from '../src/real/commands.js'
import { InvalidRunnerOptionError } from '../src/real/errors.js'

let dir = ''
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'xenos-real-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

const runLocal = async (argv: string[]): Promise<string> => (await execa(argv[0]!, argv.slice(1))).stdout

describe('sshRunner', () => {
  it('builds ssh arguments from the options, user@host last before --', () => {
    const ssh = { host: 'master.cluster', user: 'hadoop', keyFile: '/home/me/.ssh/id_ed25519', port: 2222, sshOptions: ['StrictHostKeyChecking=accept-new'] }
    expect(sshArgs(ssh))
      .toEqual(['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-i', '/home/me/.ssh/id_ed25519', '-p', '2222', 'hadoop@master.cluster', '--'])
    expect(() => sshArgs({ host: '-oProxyCommand=evil' })).toThrow(InvalidRunnerOptionError)
    expect(() => sshArgs({ host: 'h', user: 'a b' })).toThrow(/user/)
    expect(() => sshArgs({ host: 'h', port: 70000 })).toThrow(/port/)
    expect(() => sshArgs({ host: 'h', sshOptions: ['-x'] })).toThrow(/sshOptions/)
  })

  it('arguments reach the remote command unchanged, whatever they hold (through a fake ssh that runs the remote shell locally)', async () => {
    const fake = join(dir, 'fake-ssh')
    await writeFile(fake, '#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nshift\nexec sh -c "$*"\n')
    await chmod(fake, 0o755)
    const runner = sshRunner({ host: 'master', user: 'hadoop', sshCommand: fake })
    const nasty = ['it\'s', 'a b', '$HOME', '`id`', ';echo pwned', '"q"', '']
    const r = await runner.run(['printf', '%s|', ...nasty])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toBe(nasty.map(a => `${a}|`).join(''))
    const failed = await runner.run(['sh', '-c', 'echo oops >&2; exit 3'])
    expect(failed).toEqual({ exitCode: 3, stdout: '', stderr: 'oops\n' })
  })

  it('shellQuote leaves plain words alone and quotes the rest', () => {
    expect(shellQuote('/opt/hadoop/bin/hadoop')).toBe('/opt/hadoop/bin/hadoop')
    expect(shellQuote('%b %r')).toBe(`'%b %r'`)
    expect(shellQuote('it\'s')).toBe(`'it'\\''s'`)
  })
})

describe('input generators (run locally with sh)', () => {
  it('text: exactly the size asked, words on lines, the same text for the same seed', async () => {
    const a = join(dir, 'a.txt')
    const b = join(dir, 'b.txt')
    await runLocal(textFileCommand(a, 5000, 7))
    await runLocal(textFileCommand(b, 5000, 7))
    const text = await readFile(a, 'utf8')
    expect(Buffer.byteLength(text)).toBe(5000)
    expect(text).toBe(await readFile(b, 'utf8'))
    const words = text.split(/\s+/).filter(w => w !== '')
    expect(words.length).toBeGreaterThan(500)
    expect(new Set(words).size).toBeGreaterThan(30)
    // skewed: "the" (first in the vocabulary) is the most frequent word
    const counts = new Map<string, number>()
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1)
    expect([...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0]).toBe('the')
    expect(await runLocal(localSizeCommand(a))).toBe('5000')
    expect(await runLocal(localSizeCommand(join(dir, 'none')))).toBe('')
  })

  it('random bytes: exactly the size asked', async () => {
    const f = join(dir, 'r.bin')
    await runLocal(randomFileCommand(f, 3333))
    expect((await readFile(f)).length).toBe(3333)
  })

  it('RandomWriter defines: bytes per map never above the total', () => {
    expect(randomWriterDefines(100, 1000)).toContain('mapreduce.randomwriter.bytespermap=100')
    expect(randomWriterDefines(4000, 1000)).toContain('test.randomwrite.bytes_per_map=1000')
  })
})

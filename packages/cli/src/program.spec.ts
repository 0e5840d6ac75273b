import { describe, it, expect } from 'vitest'
import { buildProgram, exitCodeFor, type CommandModule } from './program.js'
import { CliError, RunStoppedError, UsageError } from './errors.js'

function run (argv: string[]): { out: string, err: string, code: number } {
  let out = ''
  let err = ''
  const echo: CommandModule = (p) => {
    p.command('echo <word>').description('prints a word').action((w: string) => { out += `${w}\n` })
  }
  const program = buildProgram([echo], { out: (s) => { out += s }, err: (s) => { err += s } })
  try {
    program.parse(['node', 'xenos', ...argv])
    return { out, err, code: 0 }
  } catch (e) {
    return { out, err, code: exitCodeFor(e) }
  }
}

describe('xenos program', () => {
  it('lists its commands in --help and exits 0', () => {
    const r = run(['--help'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('echo <word>')
  })

  it('fails with exit code 2 and a hint on an unknown command', () => {
    const r = run(['nope'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/unknown command 'nope'/)
    expect(r.err).toMatch(/--help/)
  })

  it('exits 2 for a command line that cannot be run as given, 1 for any other failure', () => {
    expect(exitCodeFor(new UsageError('--seed: expected a non-negative integer, found "-1"'))).toBe(2)
    const report = Object.assign(new Error('expected --in <results.json>, found none'), { name: 'ReportUsageError' })
    expect(exitCodeFor(report)).toBe(2)
    expect(exitCodeFor(new RunStoppedError(new Error('disk full'), 'kept: 3 runs'))).toBe(1)
    expect(exitCodeFor(new CliError('something else'))).toBe(1)
    expect(exitCodeFor(new Error('a bug'))).toBe(1)
  })

  it('runs a command', () => {
    expect(run(['echo', 'hi']).out).toBe('hi\n')
  })
})

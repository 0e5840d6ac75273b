import { Command, CommanderError } from 'commander'
import { readFileSync } from 'node:fs'

/** The version of the workspace, read from this package's package.json. */
export function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** Something a command module adds to the program. */
export type CommandModule = (program: Command) => void

/**
 * Builds the `xenos` program from command modules. Output streams are
 * injectable so tests can run commands in-process.
 */
export function buildProgram (modules: CommandModule[], io: { out: (s: string) => void, err: (s: string) => void }): Command {
  const program = new Command('xenos')
    .description('Peer-to-peer virtualized services on Xen, and the testbed that reproduces the paper')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
  for (const m of modules) m(program)
  return program
}

/** Errors that mean the command line was wrong (ours, and the report command's). */
const USAGE_ERRORS = new Set(['UsageError', 'ReportUsageError'])

/**
 * Exit code for a thrown error: 0 for `--help` and `--version`, 2 for a
 * command line that cannot be run as given (commander's own checks, a
 * `UsageError`), 1 for anything else.
 */
export function exitCodeFor (err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
  if (err instanceof Error && USAGE_ERRORS.has(err.name)) return 2
  return 1
}

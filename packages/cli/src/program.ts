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

/** Exit code for a thrown error: 2 for usage errors, 1 otherwise. */
export function exitCodeFor (err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
  return 1
}

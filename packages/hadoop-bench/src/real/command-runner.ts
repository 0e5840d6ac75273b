/**
 * How the real runner executes a command on the Hadoop master: a small
 * `CommandRunner` interface (tests replay transcripts through it), and the
 * SSH implementation built on execa with argument arrays.
 *
 * SSH joins the remote arguments with spaces and hands the result to the
 * remote user's shell, so every remote argument is quoted here with
 * `shellQuote`; nothing is ever interpolated into a shell string unquoted.
 */
import { execa } from 'execa'
import { InvalidRunnerOptionError } from './errors.js'

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs one command (argv, no shell) on the master and returns its output, whatever the exit code. */
export interface CommandRunner {
  run (argv: readonly string[], options?: { signal?: AbortSignal }): Promise<CommandResult>
}

/** Quotes one argument for a POSIX shell (single quotes; `'` becomes `'\''`). */
export function shellQuote (arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

export interface SshRunnerInit {
  /** Host name or address of the master. */
  host: string
  /** Remote user. @default the local user (ssh's default) */
  user?: string
  /** Private key file (`ssh -i`). */
  keyFile?: string
  /** SSH port. @default 22 */
  port?: number
  /** The ssh program. @default 'ssh' */
  sshCommand?: string
  /** Extra ssh options, each passed as `-o <option>` (e.g. `StrictHostKeyChecking=accept-new`). */
  sshOptions?: string[]
}

const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9.:-]{0,253}[A-Za-z0-9])?$/
const USER_RE = /^[a-z_][a-z0-9_.-]{0,31}$/i

/** The ssh argv (without the remote command) for `init`; validated. */
export function sshArgs (init: SshRunnerInit): string[] {
  if (!HOST_RE.test(init.host)) throw new InvalidRunnerOptionError('host', 'a host name or address', init.host)
  if (init.user !== undefined && !USER_RE.test(init.user)) throw new InvalidRunnerOptionError('user', 'a user name', init.user)
  if (init.port !== undefined && (!Number.isInteger(init.port) || init.port < 1 || init.port > 65535)) {
    throw new InvalidRunnerOptionError('port', 'an integer 1..65535', init.port)
  }
  const args = ['-o', 'BatchMode=yes']
  for (const o of init.sshOptions ?? []) {
    if (!/^[A-Za-z]+=\S+$/.test(o)) throw new InvalidRunnerOptionError('sshOptions', 'Name=value', o)
    args.push('-o', o)
  }
  if (init.keyFile !== undefined) args.push('-i', init.keyFile)
  if (init.port !== undefined) args.push('-p', String(init.port))
  args.push(init.user !== undefined ? `${init.user}@${init.host}` : init.host, '--')
  return args
}

/** A `CommandRunner` that runs each command on `init.host` through ssh. */
export function sshRunner (init: SshRunnerInit): CommandRunner {
  const base = sshArgs(init)
  const ssh = init.sshCommand ?? 'ssh'
  return {
    async run (argv, options) {
      if (argv.length === 0) throw new InvalidRunnerOptionError('argv', 'a command', argv)
      const remote = argv.map(shellQuote).join(' ')
      const r = await execa(ssh, [...base, remote], { reject: false, stripFinalNewline: false, cancelSignal: options?.signal })
      if (r.failed && r.exitCode === undefined) {
        // ssh itself could not be started (not installed, bad path): not a Hadoop failure.
        throw new Error(`could not run ${ssh}: ${r.shortMessage}`, { cause: r.cause })
      }
      return { exitCode: r.exitCode ?? 255, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') }
    }
  }
}

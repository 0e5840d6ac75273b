import { execa } from 'execa'
import { BackendUnavailableError, OperationTimeoutError } from '@xenos/hypervisor-interface'

/** What a finished command left. */
export interface CommandResult {
  argv: string[]
  exitCode: number | undefined
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Kill the command after this many seconds and throw `OperationTimeoutError`. */
  timeoutS?: number
  /** Standard input text. */
  input?: string
  /** Called with each line of standard error as it arrives (migration progress). */
  onStderrLine?: (line: string) => void
  signal?: AbortSignal
}

/**
 * Runs commands in Domain 0: locally, or behind a prefix such as
 * `['ssh', 'root@host']`. Always argument arrays, never a shell string made
 * from input. A prefix that hands its arguments to a remote shell (ssh does)
 * gets each argument single-quoted, so spaces and metacharacters stay data.
 */
export class HostShell {
  constructor (
    readonly prefix: readonly string[] = [],
    readonly quoteForRemoteShell = prefix.length > 0 && /(^|\/)ssh$/.test(prefix[0] ?? ''),
    readonly defaultTimeoutS = 600
  ) {}

  /** The argv actually executed for `argv`. */
  wrap (argv: readonly string[]): string[] {
    if (this.prefix.length === 0) return [...argv]
    return [...this.prefix, ...(this.quoteForRemoteShell ? argv.map(shellQuote) : argv)]
  }

  async run (argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const full = this.wrap(argv)
    const timeoutS = options.timeoutS ?? this.defaultTimeoutS
    const subprocess = execa(full[0]!, full.slice(1), {
      reject: false,
      timeout: Math.round(timeoutS * 1000),
      forceKillAfterDelay: 2000,
      ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
      ...(options.signal !== undefined ? { cancelSignal: options.signal } : {}),
      stripFinalNewline: false,
      encoding: 'utf8'
    })
    if (options.onStderrLine !== undefined) {
      let pending = ''
      const onLine = options.onStderrLine
      subprocess.stderr?.on('data', (chunk: Buffer | string) => {
        pending += chunk.toString()
        let nl = pending.indexOf('\n')
        while (nl >= 0) { onLine(pending.slice(0, nl)); pending = pending.slice(nl + 1); nl = pending.indexOf('\n') }
      })
    }
    const result = await subprocess
    const command = argv.join(' ')
    if (result.timedOut) throw new OperationTimeoutError(`\`${command}\``, timeoutS)
    const spawnError = (result as { code?: string }).code
    if (result.exitCode === undefined && (spawnError === 'ENOENT' || spawnError === 'EACCES')) {
      throw new BackendUnavailableError('xen', `cannot run ${full[0]} (${spawnError})`)
    }
    return { argv: [...argv], exitCode: result.exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') }
  }
}

/** POSIX single quoting: 'it'\''s'. */
export function shellQuote (arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

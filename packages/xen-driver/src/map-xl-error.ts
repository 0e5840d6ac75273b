import {
  BackendUnavailableError, DomainExistsError, DomainNotFoundError, ImageNotFoundError,
  InsufficientMemoryError, type HypervisorError
} from '@xenos/hypervisor-interface'
import type { CommandResult } from './host-shell.js'
import { XlCommandError } from './errors.js'

/** What the caller knows, to fill the typed error. */
export interface ErrorContext {
  hostname: string
  domain?: string
  requestedMiB?: number
  freeMiB?: number
}

/**
 * Maps a failed `xl` command (exit code and standard error, as xl 4.14..4.19
 * print them) to the contract's typed errors; anything unrecognised becomes
 * an `XlCommandError` carrying the command, exit code and last lines.
 */
export function mapXlError (result: CommandResult, ctx: ErrorContext): HypervisorError {
  const err = result.stderr
  const command = `xl ${result.argv.slice(1).join(' ')}`
  // the emulated testbed's forwarder exits 125 when it cannot reach Domain 0
  if (result.exitCode === 125 && /^xl-forward: /m.test(err)) {
    return new BackendUnavailableError('xen', `${command}: ${firstMatch(err, /^xl-forward: (.*)$/m)}`)
  }
  const unavailable = /cannot init xl context|Can't find hypervisor information|libgcc_s\.so\.1 must be installed|xenstore|Permission denied \(publickey/i
  if (unavailable.test(err) && !/already exists/.test(err)) {
    const why = firstMatch(err, /(cannot init xl context|Can't find hypervisor information.*|libgcc_s\.so\.1.*|.*xenstore.*|Permission denied.*)/i)
    return new BackendUnavailableError('xen', `${command}: ${why}`)
  }
  let m = /(\S+) is an invalid domain identifier/.exec(err)
  if (m !== null) return new DomainNotFoundError(ctx.domain ?? m[1]!, ctx.hostname)
  m = /Domain with name "([^"]+)" already exists/i.exec(err)
  if (m !== null) return new DomainExistsError(ctx.domain ?? m[1]!, ctx.hostname)
  if (/Out of memory|Cannot allocate memory|failed to free memory for the domain|not enough memory/i.test(err)) {
    return new InsufficientMemoryError(ctx.requestedMiB ?? -1, ctx.freeMiB ?? -1, ctx.hostname)
  }
  m = /failed to stat: ([^:]+): No such file or directory/.exec(err) ?? /failed to open file '([^']+)': No such file/.exec(err)
  if (m !== null) return new ImageNotFoundError(m[1]!, ctx.hostname)
  if (/Can't open restore file: No such file or directory/.test(err)) {
    return new ImageNotFoundError(result.argv[result.argv.length - 1] ?? '?', ctx.hostname)
  }
  return new XlCommandError(command, result.exitCode, err)
}

function firstMatch (text: string, re: RegExp): string {
  return re.exec(text)?.[1] ?? text.trim().split('\n')[0] ?? ''
}

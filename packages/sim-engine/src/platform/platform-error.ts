import type { ConfigError } from '@xenos/config-file'
import { SimEngineError } from '../engine/errors.js'

/**
 * A platform file (or object) that does not describe a valid platform. Its
 * fields describe the first problem; `problems` lists them all (as the
 * shared `ConfigError`s of `@xenos/config-file`, in file order).
 */
export class PlatformError extends SimEngineError {
  constructor (
    /** File name, or `<object>` for a platform given as a value. */
    readonly file: string,
    /** 1-based line of the offending value, when known. */
    readonly line: number | undefined,
    /** Dotted path of the field, for example `hostTypes.e7200.cores` or `hosts[0].type`. */
    readonly field: string,
    readonly expected: string,
    readonly found: string,
    /** 1-based column, when known. */
    readonly column: number | undefined = undefined,
    readonly problems: readonly ConfigError[] = []
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field === '' ? 'platform' : field}: expected ${expected}, found ${found}`
      + (problems.length > 1 ? ` (and ${problems.length - 1} more problem(s): ${problems.slice(1).map(p => p.message).join('; ')})` : ''))
  }

  /** From the errors of `@xenos/config-file` (the first one leads). */
  static from (errors: readonly ConfigError[]): PlatformError {
    const e = errors[0]
    if (e === undefined) return new PlatformError('<unknown>', undefined, '', 'a valid platform', 'an unknown problem')
    return new PlatformError(e.file, e.line > 0 ? e.line : undefined, e.field, e.expected, e.found, e.column > 0 ? e.column : undefined, errors)
  }
}

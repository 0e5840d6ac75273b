/**
 * Typed config errors: every problem names the file, the line and column,
 * the field, what was expected and what was found. Every error of this
 * package extends `ConfigFileBaseError`, whose `name` is the class's own
 * name (match on `err.name`).
 */

/** Base class of every error @xenos/config-file throws: sets `name` to the class's own name. */
export class ConfigFileBaseError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** One problem of one file, at a line and column. */
export class ConfigError extends ConfigFileBaseError {
  constructor (
    /** File the problem is in. */
    readonly file: string,
    /** 1-based line, 0 when the problem is the file as a whole (unreadable, too large). */
    readonly line: number,
    /** 1-based column, 0 when unknown. */
    readonly column: number,
    /** Dotted path of the field (`driver.options.seed`, `disks[0].target`), empty for the whole file. */
    readonly field: string,
    readonly expected: string,
    readonly found: string
  ) {
    super(`${file}:${line}:${column}: ${field === '' ? '' : `${field}: `}expected ${expected}, found ${found}`)
  }

  /** The coordinator's `ConfigProblem` shape. */
  toProblem (): { file: string, line?: number, column?: number, field?: string, message: string } {
    return {
      file: this.file,
      ...(this.line > 0 ? { line: this.line } : {}),
      ...(this.column > 0 ? { column: this.column } : {}),
      ...(this.field !== '' ? { field: this.field } : {}),
      message: this.message
    }
  }
}

/** Several errors of one file (a host file that cannot be used). */
export class ConfigFileError extends ConfigFileBaseError {
  constructor (readonly file: string, readonly errors: ConfigError[]) {
    super(`${file}: ${errors.length} error(s):\n${errors.map(e => `  ${e.message}`).join('\n')}`)
  }
}

/** Short description of a found value, for messages. */
export function describeFound (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${String(value)}`
}

/** `a.b[0].c` from a path. */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`
  return out
}

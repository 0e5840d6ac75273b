/** A platform file (or object) that does not describe a valid platform. */
export class PlatformError extends Error {
  constructor (
    /** File name, or `<object>` for a platform given as a value. */
    readonly file: string,
    /** 1-based line of the offending value, when known. */
    readonly line: number | undefined,
    /** Dotted path of the field, for example `hostTypes.e7200.cores`. */
    readonly field: string,
    readonly expected: string,
    readonly found: string
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field === '' ? 'platform' : field}: expected ${expected}, found ${found}`)
    this.name = 'PlatformError'
  }
}

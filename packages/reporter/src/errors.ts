/**
 * Typed errors of the reporter. Match them by `err.name`. Each message says
 * what was expected and what was found.
 */

/** Base class: every reporter error has a stable `code`. */
export class ReporterError extends Error {
  static readonly code: string = 'ERR_REPORTER'
  readonly code: string
  constructor (message: string, code = 'ERR_REPORTER', options?: ErrorOptions) {
    super(message, options)
    this.name = 'ReporterError'
    this.code = code
  }
}

/** A statistics function called outside its domain (p not in (0, 1), df <= 0, ...). */
export class StatisticsDomainError extends ReporterError {
  static override readonly code = 'ERR_STATISTICS_DOMAIN'
  constructor (what: string, expected: string, found: unknown, options?: ErrorOptions) {
    super(`${what}: expected ${expected}, found ${String(found)}`, StatisticsDomainError.code, options)
    this.name = 'StatisticsDomainError'
  }
}

/** Runs of the same point and metric recorded with different units. */
export class MixedUnitsError extends ReporterError {
  static override readonly code = 'ERR_MIXED_UNITS'
  constructor (readonly pointKey: string, readonly units: readonly string[], options?: ErrorOptions) {
    super(`expected one unit for ${pointKey}, found ${units.map(u => `"${u}"`).join(' and ')}`, MixedUnitsError.code, options)
    this.name = 'MixedUnitsError'
  }
}

/** More than one summary for one bar of a figure: the spec needs a `where` filter. */
export class AmbiguousFigureDataError extends ReporterError {
  static override readonly code = 'ERR_AMBIGUOUS_FIGURE_DATA'
  constructor (readonly figureId: string, readonly bar: string, readonly candidates: readonly string[], options?: ErrorOptions) {
    super(`expected one point per bar in figure ${figureId} (${bar}), found ${candidates.length}: ${candidates.join(' | ')}`
      + '; add a "where" filter to the figure spec', AmbiguousFigureDataError.code, options)
    this.name = 'AmbiguousFigureDataError'
  }
}

/** Render options outside what a readable chart needs. */
export class InvalidRenderOptionsError extends ReporterError {
  static override readonly code = 'ERR_INVALID_RENDER_OPTIONS'
  constructor (expected: string, found: string, options?: ErrorOptions) {
    super(`chart size: expected ${expected}, found ${found}`, InvalidRenderOptionsError.code, options)
    this.name = 'InvalidRenderOptionsError'
  }
}

/** An input file that cannot be read. */
export class InputFileError extends ReporterError {
  static override readonly code = 'ERR_INPUT_FILE'
  constructor (readonly path: string, detail: string, options?: ErrorOptions) {
    super(`expected a readable file at ${path}, found: ${detail}`, InputFileError.code, options)
    this.name = 'InputFileError'
  }
}

/** Bad command-line arguments of the report command. */
export class ReportUsageError extends ReporterError {
  static override readonly code = 'ERR_REPORT_USAGE'
  constructor (message: string, options?: ErrorOptions) {
    super(`${message}\nusage: xenos report --in results.json --out DIR [--figures figures.json] [--findings findings.json]`, ReportUsageError.code, options)
    this.name = 'ReportUsageError'
  }
}

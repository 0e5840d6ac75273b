/**
 * Typed errors of the experiment contract. Match them by `err.name` (or
 * `instanceof` within one copy of this package). Each message says what was
 * expected and what was found, and where (file path and field).
 */

/** One problem found in a document: `field` is a path like `runs[3].value`. */
export interface ValidationIssue {
  field: string
  message: string
}

/** Base class: every error of this contract has a stable `code`. */
export class ExperimentContractError extends Error {
  static readonly code: string = 'ERR_EXPERIMENT_CONTRACT'
  readonly code: string
  constructor (message: string, code = 'ERR_EXPERIMENT_CONTRACT', options?: ErrorOptions) {
    super(message, options)
    this.name = 'ExperimentContractError'
    this.code = code
  }
}

function describeIssues (issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 5).map(i => `${i.field}: ${i.message}`).join('; ')
  return issues.length > 5 ? `${shown}; and ${issues.length - 5} more` : shown
}

/** A document (result set, figure specs, findings) that does not match its schema. */
export class DocumentValidationError extends ExperimentContractError {
  static override readonly code: string = 'ERR_INVALID_DOCUMENT'
  constructor (
    /** What the document should have been, e.g. `a Xenos result set`. */
    readonly expected: string,
    /** Where it came from: a file path, or a label like `<memory>`. */
    readonly source: string,
    readonly issues: readonly ValidationIssue[],
    code = DocumentValidationError.code,
    options?: ErrorOptions
  ) {
    super(`expected ${expected} in ${source}, found ${issues.length} problem(s): ${describeIssues(issues)}`, code, options)
    this.name = 'DocumentValidationError'
  }

  /** The first offending field, e.g. `runs[0].value`. */
  get field (): string {
    return this.issues[0]?.field ?? ''
  }
}

/** A result file that does not match the ResultSet schema. */
export class ResultSetValidationError extends DocumentValidationError {
  static override readonly code = 'ERR_INVALID_RESULT_SET'
  constructor (source: string, issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super('a Xenos result set (schemaVersion 1)', source, issues, ResultSetValidationError.code, options)
    this.name = 'ResultSetValidationError'
  }
}

/** A file that is not JSON at all. */
export class JsonParseError extends ExperimentContractError {
  static override readonly code = 'ERR_JSON_PARSE'
  constructor (readonly source: string, detail: string, options?: ErrorOptions) {
    super(`expected JSON in ${source}, found text that does not parse: ${detail}`, JsonParseError.code, options)
    this.name = 'JsonParseError'
  }
}

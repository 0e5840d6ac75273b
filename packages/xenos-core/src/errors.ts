/**
 * The base of every error @xenos/core throws, and the errors every part of
 * it shares. An error's `name` is its class's name (match on `err.name`);
 * its message says what was expected and what was found. How each becomes
 * an XML-RPC fault is one table, `FAULT_CODES` in `api/faults.ts`.
 */

/** Base class: sets `name` to the class's own name. */
export class XenosError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** `"text"`, a number, `nothing`: a found value as messages show it. */
export function show (value: unknown): string {
  if (value === undefined) return 'nothing'
  try { return JSON.stringify(value) ?? String(value) } catch { return String(value) }
}

/** A value given to Xenos is malformed (an argument, an id, a field of a record). */
export class InvalidArgumentError extends XenosError {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown, options?: ErrorOptions) {
    super(`${field}: expected ${expected}, found ${show(found)}`, options)
  }
}

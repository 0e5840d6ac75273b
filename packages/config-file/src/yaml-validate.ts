/**
 * Parse a YAML file and validate it with a zod schema, reporting each
 * problem at the line and column of the node it concerns.
 */
import { isMap, isNode, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { z } from 'zod'
import { ConfigError, describeFound, formatPath } from './config-error.js'

/** Largest config file read, in bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024

export type Validated<T> = { ok: true, value: T, doc: Document, lineCounter: LineCounter } | { ok: false, errors: ConfigError[] }

/** The node at `path`, or the deepest ancestor that exists. */
function nodeAt (doc: Document, path: readonly PropertyKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true)
    if (isNode(node)) return node
  }
  return doc.contents ?? undefined
}

function keyNodeAt (doc: Document, path: readonly PropertyKey[], key: string): Node | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true)
  if (isMap(parent)) {
    const pair = parent.items.find(p => (isNode(p.key) ? (p.key as { value?: unknown }).value : p.key) === key)
    if (pair !== undefined && isNode(pair.key)) return pair.key
  }
  return undefined
}

/** Line and column (1-based) of a node. */
export function position (lc: LineCounter, node: Node | undefined): { line: number, column: number } {
  const offset = node?.range?.[0]
  if (offset === undefined) return { line: 1, column: 1 }
  const p = lc.linePos(offset)
  return { line: p.line, column: p.col }
}

function valueAt (data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[p]
  }
  return v
}

/** What an issue expected, in words. */
function expectedOf (issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>
  const custom = !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message)
  if (custom) return issue.message
  switch (issue.code) {
    case 'invalid_type': return i.expected === 'int' ? 'an integer' : `a ${String(i.expected)}`
    case 'invalid_value': return `one of ${(i.values as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
    case 'invalid_union':
      return Array.isArray(i.options) ? `one of ${(i.options as unknown[]).map(v => JSON.stringify(v)).join(', ')}` : 'one of the allowed forms'
    case 'too_small':
      return i.origin === 'array'
        ? `at least ${String(i.minimum)} item(s)`
        : i.origin === 'string' ? `at least ${String(i.minimum)} character(s)` : `a number ${i.inclusive === false ? '>' : '>='} ${String(i.minimum)}`
    case 'too_big':
      return i.origin === 'array'
        ? `at most ${String(i.maximum)} item(s)`
        : i.origin === 'string' ? `at most ${String(i.maximum)} character(s)` : `a number ${i.inclusive === false ? '<' : '<='} ${String(i.maximum)}`
    case 'unrecognized_keys': return 'only the documented fields'
    default: return issue.message
  }
}

/**
 * How a file's data is parsed: once. zod compiles a fast path for each object schema on its first
 * parse (`new Function`), which pays only over many parses; for one document it is most of the
 * cost (half of a platform's first validation), so it is skipped.
 */
const ONE_SHOT = { jitless: true } as const

/** Parses and validates; never throws for bad content (returns the errors). */
export function validateYaml<S extends z.ZodType> (schema: S, text: string, file: string): Validated<z.output<S>> {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    const tooLarge = new ConfigError(file, 0, 0, '', `a file of at most ${MAX_CONFIG_BYTES} bytes`, `${Buffer.byteLength(text)} bytes`)
    return { ok: false, errors: [tooLarge] }
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: false })
  if (doc.errors.length > 0) {
    // Only the first syntax error: the ones after it are mostly its echoes.
    return {
      ok: false,
      errors: doc.errors.slice(0, 1).map((e) => {
        const p = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0])
        return new ConfigError(file, p.line, p.col, '', 'valid YAML', e.message.split('\n')[0] ?? e.message)
      })
    }
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 50 })
  } catch (err) {
    return { ok: false, errors: [new ConfigError(file, 1, 1, '', 'YAML without excessive aliases', (err as Error).message)] }
  }
  if (data === null || data === undefined) return { ok: false, errors: [new ConfigError(file, 1, 1, '', 'a mapping of fields', 'an empty file')] }
  const result = schema.safeParse(data, ONE_SHOT)
  if (result.success) return { ok: true, value: result.data, doc, lineCounter }
  return { ok: false, errors: issueErrors(result.error.issues, data, file, { doc, lineCounter }) }
}

/**
 * Validates data that did not come from a file (an object built in code):
 * the same errors as `validateYaml`, without line numbers (line 0).
 */
export function validateData<S extends z.ZodType> (
  schema: S, data: unknown, source: string
): { ok: true, value: z.output<S> } | { ok: false, errors: ConfigError[] } {
  const result = schema.safeParse(data, ONE_SHOT)
  if (result.success) return { ok: true, value: result.data }
  return { ok: false, errors: issueErrors(result.error.issues, data, source, undefined) }
}

/** One `ConfigError` per zod issue, placed at its node in `where` when the data came from a document. */
function issueErrors (
  issues: readonly z.core.$ZodIssue[], data: unknown, file: string, where: { doc: Document, lineCounter: LineCounter } | undefined
): ConfigError[] {
  const at = (node: () => Node | undefined): { line: number, column: number } =>
    where === undefined ? { line: 0, column: 0 } : position(where.lineCounter, node())
  const errors: ConfigError[] = []
  for (const issue of issues) {
    const path = issue.path
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { line, column } = at(() => keyNodeAt(where!.doc, path, key) ?? nodeAt(where!.doc, path))
        errors.push(new ConfigError(file, line, column, formatPath([...path, key]), `only the documented fields`, `unknown field "${key}"`))
      }
      continue
    }
    const { line, column } = at(() => nodeAt(where!.doc, path))
    const found = valueAt(data, path)
    const expected = expectedOf(issue) + (found === undefined && issue.code === 'invalid_type' ? ' (a required field)' : '')
    errors.push(new ConfigError(file, line, column, formatPath(path), expected, describeFound(found)))
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column)
  return errors
}

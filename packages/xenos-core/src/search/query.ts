/**
 * The search query language: conditions separated by spaces, all of which
 * must hold.
 *
 * | form                       | meaning                                                        |
 * |----------------------------|----------------------------------------------------------------|
 * | `field=value`              | equal (numbers compare as numbers; lists match if they contain) |
 * | `field=a|b`                | equal to one of the alternatives                               |
 * | `field!=value`             | not equal (nor any alternative)                                |
 * | `field>N` `>=` `<` `<=`    | numeric comparison (numeric strings count as numbers)          |
 * | `field~glob` `field!~glob` | glob match with `*` and `?` (case-sensitive; `\` escapes)      |
 * | `has:field` `!has:field`   | present and not empty / absent or empty                        |
 * | `group:name` `tag:name`    | sugar for `groups=name`, `tags=name` (`!group:` negates)      |
 *
 * Values may be quoted: `name="web server"` (`\"` and `\\` inside quotes).
 * Fields are dotted paths: `attributes.role=master`. Singular names reach
 * their plural lists (`endpoint` -> `endpoints`, `attribute` -> `attributes`,
 * `group` -> `groups`, `tag` -> `tags`), and a path step into a list of
 * objects picks the items whose `protocol`, `name` or `id` equals it:
 * `has:endpoint.http`, `endpoint.http.port=8080`.
 *
 * The canonical form sorts and de-duplicates conditions (they commute), so
 * equal queries have equal text: a cache or flood de-duplication key.
 *
 * @example
 * ```ts
 * const match = compileQuery('template=hadoop-slave state=running freeMemoryMiB>=512 group:hadoop')
 * records.filter(match)
 * canonicalQuery('state=running  template=web') // 'state=running template=web'
 * ```
 */
import { XenosError } from '../errors.js'

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>='

export type Condition =
  | { kind: 'compare', field: string, op: '=' | '!=', values: string[] }
  | { kind: 'range', field: string, op: '<' | '<=' | '>' | '>=', value: number }
  | { kind: 'glob', field: string, negated: boolean, pattern: string }
  | { kind: 'has', field: string, negated: boolean }

export interface Query {
  conditions: Condition[]
}

/** A malformed query: where, what was expected, what was found. */
export class QuerySyntaxError extends XenosError {
  constructor (readonly query: string, readonly position: number, readonly expected: string, readonly found: string) {
    super(`query position ${position + 1}: expected ${expected}, found ${found}\n  ${query}\n  ${' '.repeat(position)}^`)
  }
}

const FIELD_RE = /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*/y
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const OPS = ['!=', '!~', '<=', '>=', '=', '<', '>', '~'] as const
const MAX_QUERY_LENGTH = 4096

class Reader {
  pos = 0
  constructor (readonly text: string) {}
  get done (): boolean { return this.pos >= this.text.length }
  peek (): string { return this.text[this.pos] ?? '' }
  foundHere (): string {
    return this.done ? 'the end of the query' : JSON.stringify(this.text.slice(this.pos, this.pos + 12).split(/\s/)[0] ?? '')
  }

  fail (expected: string, at = this.pos): never {
    const saved = this.pos
    this.pos = at
    const found = this.foundHere()
    this.pos = saved
    throw new QuerySyntaxError(this.text, at, expected, found)
  }

  skipSpace (): void { while (/\s/.test(this.peek()) && !this.done) this.pos++ }

  field (): string {
    FIELD_RE.lastIndex = this.pos
    const m = FIELD_RE.exec(this.text)
    if (m === null) this.fail('a field name (letters, digits, "_", "-", dotted)')
    this.pos += m[0].length
    return m[0]
  }

  /** One value: quoted, or bare up to whitespace (or `|` when alternatives are allowed). */
  value (stopAtBar: boolean): string {
    if (this.peek() === '"') {
      const start = this.pos
      this.pos++
      let out = ''
      while (!this.done && this.peek() !== '"') {
        if (this.peek() === '\\') {
          this.pos++
          if (this.done) break
        }
        out += this.peek()
        this.pos++
      }
      if (this.done) this.fail('a closing double quote', start)
      this.pos++
      return out
    }
    const start = this.pos
    while (!this.done && !/\s/.test(this.peek()) && !(stopAtBar && this.peek() === '|') && this.peek() !== '"') this.pos++
    if (this.pos === start) this.fail('a value')
    return this.text.slice(start, this.pos)
  }
}

function condition (r: Reader): Condition {
  const start = r.pos
  const negated = r.peek() === '!' || r.peek() === '-'
  if (negated) r.pos++
  for (const prefix of ['has:', 'group:', 'tag:']) {
    if (r.text.startsWith(prefix, r.pos)) {
      r.pos += prefix.length
      if (prefix === 'has:') return { kind: 'has', field: r.field(), negated }
      const value = r.value(false)
      return { kind: 'compare', field: prefix === 'group:' ? 'groups' : 'tags', op: negated ? '!=' : '=', values: [value] }
    }
  }
  if (negated) r.fail('"has:", "group:" or "tag:" after a negation', start)
  const field = r.field()
  const op = OPS.find(o => r.text.startsWith(o, r.pos))
  if (op === undefined) r.fail('an operator (=, !=, <, <=, >, >=, ~, !~) after the field name')
  r.pos += op.length
  if (op === '~' || op === '!~') return { kind: 'glob', field, negated: op === '!~', pattern: r.value(false) }
  if (op === '=' || op === '!=') {
    const values = [r.value(true)]
    while (r.peek() === '|') { r.pos++; values.push(r.value(true)) }
    return { kind: 'compare', field, op, values }
  }
  const at = r.pos
  const text = r.value(false)
  if (!NUMBER_RE.test(text)) r.fail(`a number after ${op}`, at)
  return { kind: 'range', field, op, value: Number(text) }
}

/** Parses a query; throws `QuerySyntaxError` with the position of the first problem. */
export function parseQuery (text: string): Query {
  if (typeof text !== 'string') throw new QuerySyntaxError(String(text), 0, 'a query string', typeof text)
  if (text.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(text.slice(0, 40), 0, `a query of at most ${MAX_QUERY_LENGTH} characters`, `${text.length} characters`)
  }
  const r = new Reader(text)
  const conditions: Condition[] = []
  r.skipSpace()
  while (!r.done) {
    conditions.push(condition(r))
    if (!r.done && !/\s/.test(r.peek())) r.fail('a space before the next condition')
    r.skipSpace()
  }
  return { conditions }
}

function quote (value: string): string {
  return value !== '' && /^[^\s"|\\]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, c => `\\${c}`)}"`
}

/** The canonical text of one condition. */
export function formatCondition (c: Condition): string {
  switch (c.kind) {
    case 'compare': return `${c.field}${c.op}${[...new Set(c.values)].sort().map(quote).join('|')}`
    case 'range': return `${c.field}${c.op}${String(c.value)}`
    case 'glob': return `${c.field}${c.negated ? '!~' : '~'}${quote(c.pattern)}`
    case 'has': return `${c.negated ? '!' : ''}has:${c.field}`
  }
}

/** Canonical text: conditions in canonical form, sorted, without duplicates. */
export function formatQuery (query: Query): string {
  return [...new Set(query.conditions.map(formatCondition))].sort().join(' ')
}

/** Parses then formats: equal queries give equal strings. */
export function canonicalQuery (text: string): string {
  return formatQuery(parseQuery(text))
}

const ALIASES: Record<string, string> = { endpoint: 'endpoints', attribute: 'attributes', group: 'groups', tag: 'tags', template: 'templates' }
const PICK_KEYS = ['protocol', 'name', 'id']

/** Every value a dotted path reaches in a record (lists fan out). */
export function resolvePath (record: unknown, field: string): unknown[] {
  let current: unknown[] = [record]
  for (const step of field.split('.')) {
    const next: unknown[] = []
    for (const node of current) {
      if (Array.isArray(node)) {
        if (/^\d+$/.test(step)) { if (Number(step) < node.length) next.push(node[Number(step)]); continue }
        for (const item of node) {
          if (typeof item === 'object' && item !== null && PICK_KEYS.some(k => (item as Record<string, unknown>)[k] === step)) next.push(item)
        }
      } else if (typeof node === 'object' && node !== null) {
        const obj = node as Record<string, unknown>
        const key = Object.prototype.hasOwnProperty.call(obj, step) ? step : ALIASES[step]
        if (key !== undefined && Object.prototype.hasOwnProperty.call(obj, key)) next.push(obj[key])
      }
    }
    current = next
  }
  return current.flatMap(v => Array.isArray(v) ? v : [v])
}

function isEmpty (v: unknown): boolean {
  return v === undefined || v === null || v === '' || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)
}

function asNumber (v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && NUMBER_RE.test(v.trim())) return Number(v)
  return undefined
}

function equals (v: unknown, text: string): boolean {
  if (typeof v === 'string') return v === text
  if (typeof v === 'number') return NUMBER_RE.test(text) && v === Number(text)
  if (typeof v === 'boolean') return String(v) === text
  return false
}

/** Glob pattern to an anchored RegExp: `*` any run, `?` one character, `\` escapes. */
export function globToRegExp (pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? ''
    if (c === '\\' && i + 1 < pattern.length) { re += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue }
    re += c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`, 'u')
}

function compileCondition (c: Condition): (record: unknown) => boolean {
  switch (c.kind) {
    case 'has':
      return r => resolvePath(r, c.field).some(v => !isEmpty(v)) !== c.negated
    case 'compare': {
      const hit = (r: unknown): boolean => resolvePath(r, c.field).some(v => c.values.some(text => equals(v, text)))
      return c.op === '=' ? hit : r => !hit(r)
    }
    case 'range': {
      const test = c.op === '<'
        ? (x: number) => x < c.value
        : c.op === '<=' ? (x: number) => x <= c.value : c.op === '>' ? (x: number) => x > c.value : (x: number) => x >= c.value
      return r => resolvePath(r, c.field).some((v) => { const x = asNumber(v); return x !== undefined && test(x) })
    }
    case 'glob': {
      const re = globToRegExp(c.pattern)
      const hit = (r: unknown): boolean => resolvePath(r, c.field).some(v => (typeof v === 'string' || typeof v === 'number') && re.test(String(v)))
      return c.negated ? r => !hit(r) : hit
    }
  }
}

/** A predicate for a parsed query: true when every condition holds. */
export function compileParsedQuery (query: Query): (record: unknown) => boolean {
  const tests = query.conditions.map(compileCondition)
  return record => tests.every(t => t(record))
}

/** Parses and compiles; throws `QuerySyntaxError`. */
export function compileQuery (text: string): (record: unknown) => boolean {
  return compileParsedQuery(parseQuery(text))
}

/** True when `record` satisfies the query text. */
export function matchesQuery (text: string, record: unknown): boolean {
  return compileQuery(text)(record)
}

/** The matcher as the coordinator's `QueryMatcher` port wants it. */
export function queryMatcher (): { compile: (query: string) => (record: Record<string, unknown>) => boolean } {
  return { compile: compileQuery }
}

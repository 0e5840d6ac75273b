import { describe, expect, it } from 'vitest'
import { canonicalQuery, compileQuery, formatQuery, globToRegExp, parseQuery, queryMatcher, QuerySyntaxError, resolvePath } from './query.js'

const web = {
  kind: 'service', id: 'svc-1', name: 'web-1', template: 'web', state: 'running', groups: ['frontend', 'alice'],
  attributes: { role: 'edge', slots: '4' }, endpoints: [{ protocol: 'http', port: 8080 }], vcpus: 2, memoryMiB: 512
}
const slave = {
  kind: 'service', id: 'svc-2', name: 'hadoop slave 3', template: 'hadoop-slave', state: 'paused', groups: ['hadoop'],
  attributes: {}, endpoints: [], vcpus: 1, memoryMiB: 256
}
const host = {
  kind: 'host',
  hostname: 'h01',
  cores: 4,
  freeMemoryMiB: 1536,
  freeDiskBytes: 5 * 2 ** 40,
  tags: ['ssd', 'rack1'],
  templates: ['web', 'hadoop-slave']
}

function run (q: string): string[] {
  const m = compileQuery(q)
  return [web, slave, host].filter(m).map(r => 'id' in r ? r.id : r.hostname)
}

function syntaxError (q: string): QuerySyntaxError {
  try { parseQuery(q) } catch (err) { expect(err).toBeInstanceOf(QuerySyntaxError); return err as QuerySyntaxError }
  throw new Error(`expected "${q}" to be refused`)
}

describe('query language: matching', () => {
  it('combines several conditions (the issue example)', () => {
    expect(run('template=hadoop-slave state=paused memoryMiB>=256 group:hadoop')).toEqual(['svc-2'])
    expect(run('template=web state=running memoryMiB>=512 group:frontend has:endpoint.http vcpus>1 name~web-*')).toEqual(['svc-1'])
  })

  it('compares numbers numerically, including numeric strings and large values', () => {
    expect(run('memoryMiB>256')).toEqual(['svc-1'])
    expect(run('memoryMiB<=256')).toEqual(['svc-2'])
    expect(run('cores=4.0')).toEqual(['h01'])
    expect(run('attributes.slots>=4')).toEqual(['svc-1'])
    expect(run(`freeDiskBytes>${2 ** 42}`)).toEqual(['h01'])
    expect(run('freeMemoryMiB>=512 freeMemoryMiB<2048')).toEqual(['h01'])
  })

  it('handles inequality, alternatives, presence and absence, membership and its negation', () => {
    expect(run('kind=service state!=running')).toEqual(['svc-2'])
    expect(run('state=running|paused')).toEqual(['svc-1', 'svc-2'])
    expect(run('kind=service !has:endpoint.http')).toEqual(['svc-2'])
    expect(run('has:attributes')).toEqual(['svc-1'])
    expect(run('-group:hadoop kind=service')).toEqual(['svc-1'])
    expect(run('tag:ssd')).toEqual(['h01'])
    expect(run('template=hadoop-slave')).toEqual(['svc-2', 'h01'])
    expect(run('endpoint.http.port=8080')).toEqual(['svc-1'])
    expect(run('attribute.role=edge')).toEqual(['svc-1'])
  })

  it('matches globs and quoted values', () => {
    expect(run('name~"hadoop slave *"')).toEqual(['svc-2'])
    expect(run('name="hadoop slave 3"')).toEqual(['svc-2'])
    expect(run('kind=service name!~*-?')).toEqual(['svc-2'])
    expect(globToRegExp('a\\*b').test('a*b')).toBe(true)
    expect(globToRegExp('a\\*b').test('axb')).toBe(false)
    expect(globToRegExp('web.(1)').test('web.(1)')).toBe(true)
  })

  it('treats missing fields as not matching, except for negations', () => {
    expect(run('nosuch=1')).toEqual([])
    expect(run('nosuch>1')).toEqual([])
    expect(run('nosuch!=1')).toEqual(['svc-1', 'svc-2', 'h01'])
    expect(run('')).toEqual(['svc-1', 'svc-2', 'h01'])
    expect(resolvePath({ __proto__: { x: 1 } }, 'x')).toEqual([])
  })

  it('serves the coordinator port', () => {
    expect(queryMatcher().compile('state=running')(web)).toBe(true)
  })
})

describe('query language: errors', () => {
  it.each([
    ['state', 1 + 5, 'an operator'],
    ['=running', 1, 'a field name'],
    ['memoryMiB>=lots', 12, 'a number after >='],
    ['name="unclosed', 6, 'a closing double quote'],
    ['state=', 7, 'a value'],
    ['!state=x', 1, '"has:", "group:" or "tag:"'],
    ['name="a"b', 9, 'a space before the next condition'],
    ['has:', 5, 'a field name']
  ])('%s', (q, position, expected) => {
    const err = syntaxError(q)
    expect(err.position + 1).toBe(position)
    expect(err.expected).toContain(expected)
    expect(err.message).toMatch(/^query position \d+: expected .*, found /)
  })

  it('refuses very long queries', () => {
    expect(syntaxError('a=b '.repeat(2000)).expected).toMatch(/at most 4096/)
  })
})

describe('query language: canonical form', () => {
  it('sorts, de-duplicates, normalises sugar and quoting', () => {
    expect(canonicalQuery('  state=running   template=web state=running ')).toBe('state=running template=web')
    expect(canonicalQuery('group:a -has:x tag:"b c" name~"w*" s=b|a|b')).toBe('!has:x groups=a name~w* s=a|b tags="b c"')
    expect(canonicalQuery('x="q\\"uote" y="" z=a\\b')).toBe('x="q\\"uote" y="" z="a\\\\b"')
    expect(canonicalQuery('')).toBe('')
  })
})

/** Seeded generator for property tests. */
function rng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
}

const FIELDS = ['state', 'template', 'name', 'memoryMiB', 'vcpus', 'groups', 'attributes.role', 'endpoint.http.port', 'cores', 'tags']
const WORDS = ['running', 'paused', 'web', 'hadoop-slave', 'web-1', 'edge', 'a b', 'x"y', '512', '2', '8080', 'ssd', 'w|z', '']

function randomQuery (next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
  const n = Math.floor(next() * 4)
  const parts: string[] = []
  const q = (w: string): string => /^[^\s"|\\]+$/.test(w) ? w : `"${w.replace(/[\\"]/g, c => `\\${c}`)}"`
  for (let i = 0; i < n; i++) {
    const f = pick(FIELDS)
    switch (Math.floor(next() * 6)) {
      case 0: parts.push(`${f}=${q(pick(WORDS))}`); break
      case 1: parts.push(`${f}!=${q(pick(WORDS))}|${q(pick(WORDS))}`); break
      case 2: parts.push(`${f}${pick(['<', '<=', '>', '>='])}${Math.floor(next() * 1000)}`); break
      case 3: parts.push(`${f}${pick(['~', '!~'])}${q(pick(WORDS).slice(0, 2) + '*')}`); break
      case 4: parts.push(`${pick(['', '!', '-'])}has:${f}`); break
      default: parts.push(`${pick(['group:', 'tag:', '!group:'])}${q(pick(WORDS))}`)
    }
  }
  return parts.join(' '.repeat(1 + Math.floor(next() * 3)))
}

describe('query language: properties (seeded random queries)', () => {
  const next = rng(20261125)
  const queries = Array.from({ length: 400 }, () => randomQuery(next))
  const records = [web, slave, host, {}, { state: 'running', memoryMiB: '700', groups: 'hadoop' }]

  it('canonical form is a fixed point and means the same as the original', () => {
    for (const q of queries) {
      const c = canonicalQuery(q)
      expect(canonicalQuery(c)).toBe(c)
      for (const r of records) expect(compileQuery(c)(r)).toBe(compileQuery(q)(r))
    }
  })

  it('condition order does not matter, and a query holds exactly when each of its conditions holds', () => {
    for (const q of queries) {
      const parsed = parseQuery(q)
      const reversed = formatQuery({ conditions: [...parsed.conditions].reverse() })
      for (const r of records) {
        const all = compileQuery(q)(r)
        expect(compileQuery(reversed)(r)).toBe(all)
        expect(parsed.conditions.every(c => compileQuery(formatQuery({ conditions: [c] }))(r))).toBe(all)
      }
    }
  })

  it('negations are complements: != of =, !~ of ~, !has: of has:', () => {
    for (const q of queries) {
      for (const c of parseQuery(q).conditions) {
        const text = formatQuery({ conditions: [c] })
        let flipped: string | undefined
        if (c.kind === 'compare') flipped = formatQuery({ conditions: [{ ...c, op: c.op === '=' ? '!=' : '=' }] })
        if (c.kind === 'glob' || c.kind === 'has') flipped = formatQuery({ conditions: [{ ...c, negated: !c.negated }] })
        if (flipped === undefined) continue
        for (const r of records) expect(compileQuery(flipped)(r)).toBe(!compileQuery(text)(r))
      }
    }
  })

  it('random text is parsed or refused with QuerySyntaxError, never anything else', () => {
    const alphabet = 'ab=!<>~"|\\ :.-*?has:group1 '
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(next() * 20)
      let text = ''
      for (let j = 0; j < len; j++) text += alphabet[Math.floor(next() * alphabet.length)]
      try {
        const c = canonicalQuery(text)
        expect(canonicalQuery(c)).toBe(c)
      } catch (err) {
        expect(err).toBeInstanceOf(QuerySyntaxError)
        const e = err as QuerySyntaxError
        expect(e.position).toBeGreaterThanOrEqual(0)
        expect(e.position).toBeLessThanOrEqual(text.length)
      }
    }
  })
})

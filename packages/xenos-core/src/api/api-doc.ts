/**
 * docs/api.md's generated parts, rendered from the method table and the
 * registry that serves it: the access levels with their methods, and every
 * method's signature (as `system.methodSignature` gives it), parameters,
 * result, access and help (as `system.methodHelp` gives it). The parts sit
 * between `<!-- generated:NAME -->` and `<!-- end:NAME -->` lines; the prose
 * around them is written by hand. `scripts/api-doc.ts` rewrites the file and
 * a test fails when the checked-in file is not what this renders.
 */
import { XenosError } from '../errors.js'
import { ACCESS_LEVELS, ACCESS_RULES, type AccessLevel } from '../auth/authorizer.js'
import type { Coordinator } from '../coordinator/coordinator.js'
import { MethodRegistry } from '../xmlrpc/registry.js'
import { FAULTS } from './faults.js'
import type { ApiMethod } from './method-table.js'
import { XENOS_API, XENOS_PREFIX, registerXenosApi } from './methods.js'

/** A method as the doc shows it. */
export interface DocumentedMethod {
  name: string
  access: AccessLevel
  /** `[[returnType, ...paramTypes], ...]`, as `system.methodSignature` answers. */
  signatures: string[][]
  help: string
  /** Absent for the registry's own `system.*` methods. */
  declaration?: ApiMethod
}

/** Every method a coordinator serves, sorted by name, with its access level. */
export function documentedMethods (): DocumentedMethod[] {
  const registry = new MethodRegistry()
  // registration reads only the table; no call runs, so no coordinator is needed
  registerXenosApi(registry, { coordinator: undefined as unknown as Coordinator })
  const table = XENOS_API as unknown as Record<string, ApiMethod>
  return registry.listMethods().map((name) => {
    const declaration = name.startsWith(XENOS_PREFIX) ? table[name.slice(XENOS_PREFIX.length)] : undefined
    return {
      name,
      // the registry's introspection methods are open to anyone
      access: declaration?.access ?? 'anonymous',
      signatures: registry.signatures(name),
      help: registry.help(name),
      ...(declaration === undefined ? {} : { declaration })
    }
  })
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

function renderAccess (methods: DocumentedMethod[]): string {
  const lines = ['| level | who may call | methods |', '|---|---|---|']
  for (const level of ACCESS_LEVELS) {
    const names = methods.filter(m => m.access === level).map(m => `\`${m.name}\``)
    lines.push(`| \`${level}\` | ${ACCESS_RULES[level]} | ${names.join(', ')} |`)
  }
  return lines.join('\n')
}

function renderFaults (): string {
  const lines = ['| code | name | when | errors |', '|---|---|---|---|']
  for (const f of FAULTS) lines.push(`| ${f.code} | ${f.name} | ${cell(f.when)} | ${f.errors.map(e => `\`${e}\``).join(', ')} |`)
  return lines.join('\n')
}

function renderSummary (methods: DocumentedMethod[]): string {
  const lines = ['| method | access | signatures |', '|---|---|---|']
  for (const m of methods) lines.push(`| \`${m.name}\` | \`${m.access}\` | ${m.signatures.map(s => `${s[0] ?? ''} (${s.slice(1).join(', ')})`).join(' / ')} |`)
  return lines.join('\n')
}

function renderMethod (m: DocumentedMethod): string {
  const out = [`### ${m.name}`, '']
  const d = m.declaration
  const params = d === undefined
    ? (m.signatures.at(-1) ?? []).slice(1).join(', ')
    : d.params.map(p => `${p.type} ${p.name}${p.optional ? '?' : ''}`).join(', ')
  out.push(`\`${m.signatures[0]?.[0] ?? 'any'} ${m.name}(${params})\``, '')
  out.push(`Access: \`${m.access}\`.`, '')
  if (d !== undefined && d.params.length > 0) {
    out.push('| parameter | value | meaning |', '|---|---|---|')
    for (const p of d.params) {
      out.push(`| \`${p.name}\`${p.optional ? ' (optional)' : ''} | \`${cell(p.shape)}\` | ${cell(p.doc)}${p.target === true ? ' (the target service)' : ''} |`)
    }
    out.push('')
  }
  if (d !== undefined) out.push(`Returns ${d.returns.type}: ${d.returns.doc}.`, '')
  out.push(m.help)
  return out.join('\n')
}

/** The generated parts by name. */
export function renderApiDocParts (): Record<string, string> {
  const methods = documentedMethods()
  return {
    access: renderAccess(methods),
    faults: renderFaults(),
    methods: [renderSummary(methods), '', ...methods.map(renderMethod).flatMap(s => [s, ''])].join('\n').trimEnd()
  }
}

/** Thrown when a generated part's markers are missing from the doc. */
export class ApiDocMarkerError extends XenosError {
  constructor (readonly part: string) {
    super(`docs/api.md: expected the lines <!-- generated:${part} --> and <!-- end:${part} -->, found them missing`)
  }
}

/** `text` with every generated part replaced by what the table renders now. */
export function renderApiDoc (text: string, parts: Record<string, string> = renderApiDocParts()): string {
  let out = text
  for (const [part, body] of Object.entries(parts)) {
    const begin = `<!-- generated:${part} -->`
    const end = `<!-- end:${part} -->`
    const a = out.indexOf(begin)
    const b = out.indexOf(end)
    if (a < 0 || b < a) throw new ApiDocMarkerError(part)
    out = `${out.slice(0, a + begin.length)}\n${body}\n${out.slice(b)}`
  }
  return out
}

/** Reads the access level of each method from the doc's generated method summary (what the doc promises). */
export function documentedAccess (text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of text.matchAll(/^\| `((?:system|xenos)\.[A-Za-z0-9_.]+)` \| `([a-z]+)` \|/gm)) out.set(m[1] as string, m[2] as string)
  return out
}

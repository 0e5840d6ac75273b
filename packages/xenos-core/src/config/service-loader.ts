/**
 * Loads every template and service file of a directory. A broken file is
 * reported (file, line, column, field, expected, found) and skipped; it never
 * stops the others. A template or service name defined by two files is taken
 * from neither (so what runs is kept) and both files are reported. Never
 * throws for bad content.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { InvalidSpecError } from '@xenos/hypervisor-interface'
import type { ConfigOrigin } from '../coordinator/ports.js'
import { configFileSchema, serviceFromFile, templateFromFile, type ServiceConfig, type TemplateConfig } from './service-config.js'
import { ConfigError, describeFound, MAX_CONFIG_BYTES, position, validateYaml } from '@xenos/config-file'

export interface ServiceConfigLoad {
  templates: TemplateConfig[]
  services: ServiceConfig[]
  /** One entry per problem; a file with problems contributes nothing else. */
  errors: ConfigError[]
  /** The same problems in the coordinator's `ConfigProblem` shape. */
  problems: Array<{ file: string, line?: number, field?: string, message: string }>
}

/** `disks[0].target` -> `['disks', 0, 'target']`. */
function fieldPath (field: string): Array<string | number> {
  return field.split(/\.|\[(\d+)\]/).filter(p => p !== undefined && p !== '').map(p => /^\d+$/.test(p) ? Number(p) : p)
}

/** Validates the text of one file. */
export function parseServiceConfigFile (text: string, file: string): { template?: TemplateConfig, service?: ServiceConfig, errors: ConfigError[] } {
  const r = validateYaml(configFileSchema, text, file)
  if (!r.ok) {
    // A file without a usable `kind` gets one clear error rather than a list for both forms.
    return { errors: r.errors }
  }
  const at: ConfigOrigin = { file, fields: {} }
  for (const field of ['name', 'template']) {
    const node = r.doc.getIn([field], true) as never
    if (node !== undefined) at.fields[field] = position(r.lineCounter, node)
  }
  const source = `${file}:${at.fields.name?.line ?? 1}`
  if (r.value.kind === 'service') return { service: serviceFromFile(r.value, source, at), errors: [] }
  try {
    return { template: templateFromFile(r.value, source, at), errors: [] }
  } catch (err) {
    if (!(err instanceof InvalidSpecError)) throw err
    const path = fieldPath(err.field)
    let node: unknown
    for (let n = path.length; n >= 0 && node === undefined; n--) node = r.doc.getIn(path.slice(0, n), true) ?? undefined
    const { line, column } = position(r.lineCounter, node as never)
    return { errors: [new ConfigError(file, line, column, err.field, err.expected, describeFound(err.found))] }
  }
}

/** Loads `*.yaml` and `*.yml` files of `dir` (sorted by name; hidden files skipped). */
export async function loadServiceConfigDir (dir: string): Promise<ServiceConfigLoad> {
  const out: ServiceConfigLoad = { templates: [], services: [], errors: [], problems: [] }
  let names: string[]
  try {
    names = (await readdir(dir)).filter(n => !n.startsWith('.') && ['.yaml', '.yml'].includes(extname(n).toLowerCase())).sort()
  } catch (err) {
    out.errors.push(new ConfigError(dir, 0, 0, '', 'a readable services directory', (err as NodeJS.ErrnoException).code ?? String(err)))
    out.problems = out.errors.map(e => e.toProblem())
    return out
  }
  const byName = new Map<string, Array<TemplateConfig | ServiceConfig>>()
  for (const n of names) {
    const file = join(dir, n)
    let text: string
    try {
      const s = await stat(file)
      if (!s.isFile()) continue
      if (s.size > MAX_CONFIG_BYTES) {
        out.errors.push(new ConfigError(file, 0, 0, '', `a file of at most ${MAX_CONFIG_BYTES} bytes`, `${s.size} bytes`))
        continue
      }
      text = await readFile(file, 'utf8')
    } catch (err) {
      out.errors.push(new ConfigError(file, 0, 0, '', 'a readable file', (err as NodeJS.ErrnoException).code ?? String(err)))
      continue
    }
    const r = parseServiceConfigFile(text, file)
    if (r.errors.length > 0) { out.errors.push(...r.errors); continue }
    const item = r.template ?? r.service
    if (item === undefined) continue
    const key = `${r.template !== undefined ? 'template' : 'service'}:${item.name}`
    byName.set(key, [...(byName.get(key) ?? []), item])
  }
  // A name defined by several files: none of them is taken (the running definition, if any, stays), and each is named.
  for (const [key, items] of byName) {
    const kind = key.slice(0, key.indexOf(':'))
    if (items.length === 1) {
      const item = items[0] as TemplateConfig | ServiceConfig
      if (kind === 'template') out.templates.push(item as TemplateConfig)
      else out.services.push(item as ServiceConfig)
      continue
    }
    for (const item of items) {
      const others = items.filter(o => o !== item).map(o => where(o)).join(', ')
      const pos = item.at?.fields.name ?? { line: 0, column: 0 }
      const found = `"${item.name}", also defined at ${others}`
      out.errors.push(new ConfigError(item.at?.file ?? item.source, pos.line, pos.column, 'name', `a ${kind} name defined by one file only`, found))
    }
  }
  out.problems = out.errors.map(e => e.toProblem())
  return out
}

/** `file:line:column` of an item's name. */
function where (item: TemplateConfig | ServiceConfig): string {
  const pos = item.at?.fields.name
  return pos === undefined ? item.source : `${item.at?.file ?? ''}:${pos.line}:${pos.column}`
}

/** The coordinator's `ServiceConfigSource` port over a directory. */
export function serviceConfigSource (dir: string): { load: () => Promise<ServiceConfigLoad> } {
  return { load: async () => await loadServiceConfigDir(dir) }
}

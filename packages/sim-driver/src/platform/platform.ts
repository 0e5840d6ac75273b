/**
 * Loading and validating platforms. A platform file (YAML or JSON; JSON is
 * parsed by the YAML parser too, so both get line numbers) is checked with
 * the zod schema of `schema.ts`; the first problem is thrown as a
 * `PlatformError` naming file, line, field, expected and found.
 */
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument, isNode } from 'yaml'
import type { z } from 'zod'
import { platformSchema, type PlatformInput, type PlatformParsed } from './schema.js'
import { PlatformError } from './platform-error.js'

export interface DiskDescription {
  readonly name: string
  readonly capacityBytes: number
  readonly readBps: number
  readonly writeBps: number
  readonly interleaveFactor: number
}

export interface HostDescription {
  readonly name: string
  readonly type: string
  readonly cores: number
  readonly coreSpeedFlops: number
  readonly memoryMiB: number
  readonly memoryBandwidthBps: number
  readonly virtualized: boolean
  readonly dom0MemoryMiB: number
  readonly dom0Vcpus: number
  readonly disks: readonly DiskDescription[]
  readonly nic: { readonly bandwidthBps: number, readonly latencyS: number }
}

/** A validated platform with its host entries expanded. */
export interface Platform {
  readonly name: string
  readonly description: string | undefined
  /** Where it was read from (a file name, or `<object>`). */
  readonly source: string
  readonly network: PlatformParsed['network']
  readonly virtualization: PlatformParsed['virtualization']
  readonly pageCache: PlatformParsed['pageCache']
  readonly calibration: Readonly<Record<string, number>>
  readonly hosts: readonly HostDescription[]
}

export type { PlatformInput }

function describe (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}

function valueAt (data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<PropertyKey, unknown>)[k]
  }
  return cur
}

function expectedOf (issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return `a ${issue.expected}`
    case 'too_small': return `${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}`
    case 'too_big': return `${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`
    case 'unrecognized_keys': return `no unknown keys (${issue.keys.join(', ')})`
    case 'invalid_union': return 'either {name, type} or {prefix, count, type}'
    default: return issue.message
  }
}

type Locate = (path: readonly PropertyKey[]) => number | undefined

function validate (data: unknown, source: string, locate: Locate): Platform {
  const result = platformSchema.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue
    const path = issue.path
    const field = path.map(String).join('.')
    const found = issue.code === 'unrecognized_keys' ? `key ${issue.keys[0] ?? ''}` : describe(valueAt(data, path))
    throw new PlatformError(source, locate(path), field, expectedOf(issue), found)
  }
  return expand(result.data, source, locate)
}

function expand (p: PlatformParsed, source: string, locate: Locate): Platform {
  const hosts: HostDescription[] = []
  const seen = new Set<string>()
  p.hosts.forEach((entry, i) => {
    const t = p.hostTypes[entry.type]
    if (t === undefined) {
      throw new PlatformError(source, locate(['hosts', i, 'type']), `hosts.${i}.type`, `one of the hostTypes (${Object.keys(p.hostTypes).join(', ')})`, JSON.stringify(entry.type))
    }
    const names = 'name' in entry
      ? [entry.name]
      : Array.from({ length: entry.count }, (_, k) => `${entry.prefix}${String(entry.start + k).padStart(entry.pad, '0')}`)
    for (const hostName of names) {
      if (seen.has(hostName)) throw new PlatformError(source, locate(['hosts', i]), `hosts.${i}`, 'unique host names', `a second host named ${hostName}`)
      seen.add(hostName)
      hosts.push({
        name: hostName,
        type: entry.type,
        cores: t.cores,
        coreSpeedFlops: t.coreSpeedFlops,
        memoryMiB: t.memoryMiB,
        memoryBandwidthBps: t.memoryBandwidthBps,
        virtualized: t.virtualized,
        dom0MemoryMiB: t.virtualized ? t.dom0.memoryMiB : 0,
        dom0Vcpus: t.dom0.vcpus,
        disks: t.disks,
        nic: t.nic
      })
    }
  })
  for (const [typeName, t] of Object.entries(p.hostTypes)) {
    if (t.virtualized && t.dom0.memoryMiB >= t.memoryMiB) {
      throw new PlatformError(source, locate(['hostTypes', typeName, 'dom0', 'memoryMiB']), `hostTypes.${typeName}.dom0.memoryMiB`, `less than the host's ${t.memoryMiB} MiB`, String(t.dom0.memoryMiB))
    }
  }
  return {
    name: p.name,
    description: p.description,
    source,
    network: p.network,
    virtualization: p.virtualization,
    pageCache: p.pageCache,
    calibration: p.calibration,
    hosts
  }
}

/** Validate a platform given as a value (for generated platforms, for example in benchmarks). */
export function definePlatform (input: PlatformInput, source = '<object>'): Platform {
  return validate(input, source, () => undefined)
}

/** Parse the text of a YAML or JSON platform file. */
export function parsePlatform (text: string, fileName: string): Platform {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const firstError = doc.errors[0]
  if (firstError !== undefined) {
    throw new PlatformError(fileName, lineCounter.linePos(firstError.pos[0]).line, '', 'valid YAML or JSON', firstError.message.split('\n')[0] ?? 'a syntax error')
  }
  const locate: Locate = (path) => {
    // The deepest node that exists on the path gives the line.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as Iterable<unknown>, true)
      if (isNode(node) && node.range != null) return lineCounter.linePos(node.range[0]).line
    }
    return undefined
  }
  return validate(doc.toJS(), fileName, locate)
}

/** Read and parse a platform file. */
export async function loadPlatform (path: string): Promise<Platform> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new PlatformError(path, undefined, '', 'a readable platform file', code)
  }
  return parsePlatform(text, path)
}

/**
 * The native twin of a platform: the same hardware booted without Xen (the
 * paper's PHY-Cluster). Every host is `virtualized: false`: no Domain 0
 * memory or CPU is reserved and I/O pays no Domain 0 cost.
 */
export function nativePlatform (p: Platform): Platform {
  return { ...p, name: `${p.name}-native`, hosts: p.hosts.map(h => ({ ...h, virtualized: false, dom0MemoryMiB: 0 })) }
}

/** The platform with every host limited to `cores` cores (e.g. the paper's PHY-1CORE run). */
export function restrictCores (p: Platform, cores: number): Platform {
  if (!Number.isInteger(cores) || cores < 1) throw new PlatformError(p.source, undefined, 'cores', 'an integer >= 1', String(cores))
  return { ...p, name: `${p.name}-${cores}core`, hosts: p.hosts.map(h => ({ ...h, cores: Math.min(h.cores, cores), dom0Vcpus: Math.min(h.dom0Vcpus, cores) })) }
}

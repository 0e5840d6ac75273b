/**
 * Loading and validating platforms. A platform file (YAML or JSON; JSON is
 * parsed by the YAML parser too, so both get line numbers) is checked with
 * the zod schema of `schema.ts` through `@xenos/config-file` (as every data
 * file of Xenos); problems are thrown as a `PlatformError` naming file,
 * line, field, expected and found.
 */
import { readFile } from 'node:fs/promises'
import { isNode, type Document, type LineCounter } from 'yaml'
import { ConfigFileError, readEstimates, validateData, validateYaml } from '@xenos/config-file'
import { platformSchema, type PlatformInput, type PlatformParsed } from './schema.js'
import { PlatformError } from './platform-error.js'

export interface DiskDescription {
  readonly name: string
  readonly capacityBytes: number
  /** Sequential rates on the outermost tracks, bytes/s. */
  readonly readBps: number
  readonly writeBps: number
  readonly innerZoneFraction: number
  readonly rpm: number
  readonly averageSeekS: number
  readonly trackSeekS: number
  readonly domainSpanBytes: number
  /** Host-level request sizes (Infinity: no positioning cost, so never used). */
  readonly readRequestBytes: number
  readonly writeRequestBytes: number
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

/** What each `virtualization.imageBackend` means, in a sentence (for reports). */
export const IMAGE_BACKENDS: Readonly<Record<PlatformParsed['virtualization']['imageBackend'], string>> = {
  'phy': 'phy: a raw device (blkback); no Domain 0 page cache',
  'tap:aio': 'tap:aio: an image file opened with direct I/O by blktap; no Domain 0 page cache',
  'file': 'file: an image file behind a loop device in Domain 0; reads and writes go through Domain 0\'s page cache (writes cached, then flushed)'
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

/** Line of the node at `path` (or its deepest existing ancestor) in a parsed file. */
type Locate = (path: readonly PropertyKey[]) => number | undefined

function locator (doc: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as Iterable<unknown>, true)
      if (isNode(node) && node.range != null) return lineCounter.linePos(node.range[0]).line
    }
    return undefined
  }
}

function expand (p: PlatformParsed, source: string, locate: Locate): Platform {
  const hosts: HostDescription[] = []
  const seen = new Set<string>()
  p.hosts.forEach((entry, i) => {
    const t = p.hostTypes[entry.type]
    if (t === undefined) {
      throw new PlatformError(source, locate(['hosts', i, 'type']), `hosts[${i}].type`,
        `one of the hostTypes (${Object.keys(p.hostTypes).join(', ')})`, JSON.stringify(entry.type))
    }
    const names = 'name' in entry
      ? [entry.name]
      : Array.from({ length: entry.count }, (_, k) => `${entry.prefix}${String(entry.start + k).padStart(entry.pad, '0')}`)
    for (const hostName of names) {
      if (seen.has(hostName)) throw new PlatformError(source, locate(['hosts', i]), `hosts[${i}]`, 'unique host names', `a second host named ${hostName}`)
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
        disks: t.disks.map(d => ({ ...d, readRequestBytes: d.readRequestBytes ?? Infinity, writeRequestBytes: d.writeRequestBytes ?? Infinity })),
        nic: t.nic
      })
    }
  })
  for (const [typeName, t] of Object.entries(p.hostTypes)) {
    if (t.virtualized && t.dom0.memoryMiB >= t.memoryMiB) {
      throw new PlatformError(source, locate(['hostTypes', typeName, 'dom0', 'memoryMiB']), `hostTypes.${typeName}.dom0.memoryMiB`,
        `less than the host's ${t.memoryMiB} MiB`, String(t.dom0.memoryMiB))
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
  const r = validateData(platformSchema, input, source)
  if (!r.ok) throw PlatformError.from(r.errors)
  return expand(r.value, source, () => undefined)
}

/**
 * Parse the text of a YAML or JSON platform file (through `@xenos/config-file`,
 * like every data file of Xenos); the first problem leads the `PlatformError`.
 */
export function parsePlatform (text: string, fileName: string): Platform {
  const r = validateYaml(platformSchema, text, fileName)
  if (!r.ok) throw PlatformError.from(r.errors)
  try {
    readEstimates(text, fileName)
  } catch (err) {
    if (err instanceof ConfigFileError) throw PlatformError.from(err.errors)
    throw err
  }
  return expand(r.value, fileName, locator(r.doc, r.lineCounter))
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

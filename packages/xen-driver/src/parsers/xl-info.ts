import { XlOutputError } from '../errors.js'

/** What the driver reads from `xl info`. */
export interface XlInfo {
  host: string
  xenVersion: string
  nrCpus: number
  cpuMHz: number
  totalMemoryMiB: number
  freeMemoryMiB: number
  /** Every key/value line, for humans. */
  fields: Record<string, string>
}

// maybe_printf("%-23s: %s"): a key, padding, a colon and a value (possibly empty)
const LINE = /^([a-z_][a-z0-9_]*)\s*:(?: (.*))?$/
// `xl info -n` adds tables; their lines are known and skipped
const TABLE = new RegExp(`^(${[
  String.raw`cpu:\s+core\s+socket\s+node`,
  String.raw`\s*\d+:\s+[\d\s,]+`,
  String.raw`node:\s+memsize\s+memfree\s+distances`,
  String.raw`device\s+node`,
  String.raw`[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\s+\d+`,
  'No device topology data available'
].join('|')})$`)

const REQUIRED = ['host', 'nr_cpus', 'cpu_mhz', 'total_memory', 'free_memory'] as const

/** Parses `xl info`. Throws `XlOutputError` on a line that is not `key : value`, or when a needed key is absent. */
export function parseXlInfo (text: string, command = 'xl info'): XlInfo {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const m = LINE.exec(line)
    if (m === null) {
      if (TABLE.test(line)) continue
      throw new XlOutputError(command, line, 'a "key : value" line')
    }
    fields[m[1]!] = (m[2] ?? '').trim()
  }
  for (const key of REQUIRED) {
    if (fields[key] === undefined) throw new XlOutputError(command, `(no "${key}" line)`, `a "${key} : ..." line`)
  }
  const num = (key: string): number => {
    const value = Number(fields[key])
    if (!Number.isFinite(value)) throw new XlOutputError(command, `${key} : ${fields[key]}`, `a number for ${key}`)
    return value
  }
  const version = fields.xen_version ?? (fields.xen_major !== undefined ? `${fields.xen_major}.${fields.xen_minor ?? '0'}${fields.xen_extra ?? ''}` : 'unknown')
  return {
    host: fields.host!,
    xenVersion: version,
    nrCpus: num('nr_cpus'),
    cpuMHz: num('cpu_mhz'),
    totalMemoryMiB: num('total_memory'),
    freeMemoryMiB: num('free_memory'),
    fields
  }
}

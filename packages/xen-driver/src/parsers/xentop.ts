import { XlOutputError } from '../errors.js'

/** One domain's counters from `xentop -b -i 1 -f`. */
export interface XentopRow {
  name: string
  state: string
  cpuTimeS: number
  memKiB: number
  vcpus: number
  netTxKiB: number
  netRxKiB: number
  vbdReadSectors: number
  vbdWriteSectors: number
}

const COLUMNS = ['NAME', 'STATE', 'CPU(sec)', 'CPU(%)', 'MEM(k)', 'MEM(%)', 'MAXMEM(k)', 'MAXMEM(%)', 'VCPUS', 'NETS',
  'NETTX(k)', 'NETRX(k)', 'VBDS', 'VBD_OO', 'VBD_RD', 'VBD_WR', 'VBD_RSECT', 'VBD_WSECT', 'SSID'] as const

/**
 * Parses one batch iteration of `xentop -b -i 1 -f` (tools/xentop/xentop.c:
 * a header, then one row per domain; "no limit"/"n/a" for Domain-0's
 * maximum memory; "-" for VBD counters that could not be read). Columns are
 * found by header name, so an added column at the end (SSID) is tolerated.
 */
export function parseXentop (text: string, command = 'xentop -b -i 1 -f'): XentopRow[] {
  const lines = text.split('\n').filter(l => l.trim() !== '')
  const headerIndex = lines.findIndex(l => /^\s*NAME\s+STATE\s+CPU\(sec\)/.test(l))
  if (headerIndex !== 0) throw new XlOutputError(command, lines[0] ?? '', 'a header line "NAME STATE CPU(sec) ..."')
  const header = lines[0]!.trim().split(/\s+/)
  const index = new Map(header.map((h, i) => [h, i]))
  for (const col of COLUMNS.slice(0, 18)) {
    if (!index.has(col)) throw new XlOutputError(command, lines[0]!, `a column ${col}`)
  }
  return lines.slice(1).map((line) => {
    const cells = line.replace(/no limit/g, 'no-limit').trim().split(/\s+/)
    if (cells.length < header.length - 1 || cells.length > header.length || !/^[dsbcpr-]{6}$/.test(cells[1] ?? '')) {
      throw new XlOutputError(command, line, `a row of ${header.length} columns`)
    }
    const get = (col: string): number => {
      const raw = cells[index.get(col)!]
      if (raw === '-') return 0
      const value = Number(raw)
      if (!Number.isFinite(value)) throw new XlOutputError(command, line, `a number in column ${col}`)
      return value
    }
    return {
      name: cells[0]!,
      state: cells[1]!,
      cpuTimeS: get('CPU(sec)'),
      memKiB: get('MEM(k)'),
      vcpus: get('VCPUS'),
      netTxKiB: get('NETTX(k)'),
      netRxKiB: get('NETRX(k)'),
      vbdReadSectors: get('VBD_RSECT'),
      vbdWriteSectors: get('VBD_WSECT')
    }
  })
}

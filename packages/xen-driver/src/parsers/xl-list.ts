import { XlOutputError } from '../errors.js'

/** One row of `xl list` (optionally `-v`), as tools/xl/xl_info.c prints it. */
export interface XlListRow {
  name: string
  domid: number
  memMiB: number
  vcpus: number
  /** The six state letters: r(unning) b(locked) p(aused) s(hutdown) reason d(ying). */
  flags: string
  running: boolean
  blocked: boolean
  paused: boolean
  shutdown: boolean
  /** Shutdown reason letter when `shutdown`: `-` poweroff, r reboot, s suspend, c crash, w watchdog, S soft reset. */
  shutdownReason?: string
  dying: boolean
  cpuTimeS: number
  /** With `-v`. */
  uuid?: string
}

const HEADER = /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)/
// printf("%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f"), then with -v " UUID reason label"
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const ROW = new RegExp(String.raw`^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([r-][b-][p-][s-][-rscwS?][d-])\s+(\d+\.\d)`
  + String.raw`(?:\s+(${UUID})\s+(\S+)(?:\s+(\S+))?)?\s*$`)

/** Parses `xl list [-v]` output. Throws `XlOutputError` naming the first line it does not understand. */
export function parseXlList (text: string, command = 'xl list'): XlListRow[] {
  const lines = text.split('\n').filter(l => l.trim() !== '')
  const [header, ...rows] = lines
  if (header === undefined) throw new XlOutputError(command, '', 'a header line "Name ID Mem VCPUs State Time(s)"')
  if (!HEADER.test(header)) throw new XlOutputError(command, header, 'a header line "Name ID Mem VCPUs State Time(s)"')
  return rows.map((line) => {
    const m = ROW.exec(line)
    if (m === null) throw new XlOutputError(command, line, 'a domain row "name id mem vcpus state time"')
    const flags = m[5]!
    const shutdown = flags[3] === 's'
    return {
      name: m[1]!,
      domid: Number(m[2]),
      memMiB: Number(m[3]),
      vcpus: Number(m[4]),
      flags,
      running: flags[0] === 'r',
      blocked: flags[1] === 'b',
      paused: flags[2] === 'p',
      shutdown,
      ...(shutdown ? { shutdownReason: flags[4] } : {}),
      dying: flags[5] === 'd',
      cpuTimeS: Number(m[6]),
      ...(m[7] !== undefined ? { uuid: m[7] } : {})
    }
  })
}

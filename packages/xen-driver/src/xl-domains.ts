import { randomUUID } from 'node:crypto'
import type { DomainSpec, DomainState } from '@xenos/hypervisor-interface'
import type { XlListRow } from './parsers/xl-list.js'
import type { XlDomainConfig } from './parsers/xl-list-long.js'
import type { DomainRecord } from './domain-records.js'

/** Names libxl gives a domain while it migrates; not domains of their own. */
export const HIDDEN = /--(incoming|migratedaway)$/

/** Usage of a domain that does not run. */
export const NO_USAGE = { cpuTimeS: 0, memoryMiB: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 } as const

/**
 * The contract state of an `xl list` row. A guest that powered off stays
 * listed, shut down and paused by Xen, until xl's monitor destroys it
 * (on_poweroff = "destroy"): it is stopped already. A crash with
 * on_crash = "preserve" stays: crashed.
 */
export function stateOf (row: XlListRow): DomainState {
  if (row.shutdown && row.shutdownReason === 'c') return 'crashed'
  if (row.dying || (row.shutdown && row.shutdownReason === '-')) return 'stopped'
  return row.paused ? 'paused' : 'running'
}

/** A record rebuilt from a domain's libxl config, for domains this driver did not define (migrated in, restored, made by hand). */
export function adopt (cfg: XlDomainConfig, row: XlListRow, relative: (path: string) => string, nowS: number): DomainRecord {
  const kind = cfg.type === 'hvm' ? 'hvm' : cfg.type === 'pvh' ? 'pvh' : 'pv'
  const spec: DomainSpec = {
    name: row.name,
    vcpus: cfg.vcpus ?? row.vcpus,
    memoryMiB: cfg.memoryMiB ?? row.memMiB,
    disks: cfg.disks.map(d => ({ image: relative(d.path), target: d.vdev, format: d.format === 'qcow2' ? 'qcow2' : 'raw', mode: d.readwrite ? 'rw' : 'ro' })),
    boot: kind === 'hvm'
      ? { kind }
      : {
          kind,
          kernel: cfg.kernel ?? '',
          ...(cfg.ramdisk !== undefined ? { ramdisk: cfg.ramdisk } : {}),
          ...(cfg.cmdline !== undefined ? { cmdline: cfg.cmdline } : {})
        },
    nics: cfg.nics.map(n => ({ bridge: n.bridge ?? 'xenbr0', ...(n.mac !== undefined ? { mac: n.mac } : {}) }))
  }
  return { name: row.name, uuid: cfg.uuid ?? row.uuid ?? randomUUID(), spec, startedAtS: nowS }
}

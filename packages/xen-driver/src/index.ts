/**
 * @packageDocumentation
 *
 * The real Xen backend of Xenos: a `HypervisorDriver` for one Xen host,
 * driving the `xl` toolstack (Xen 4.14 to 4.19) through execa, locally or
 * behind a command prefix such as `ssh root@host`. Domains are defined by
 * config files the driver writes; `xl list`, `xl list -l`, `xl info` and
 * `xentop` are parsed by strict parsers that name any line they do not
 * understand. Disk images move with a migrating domain through an
 * `ImageTransfer`. Passes `@xenos/hypervisor-compliance` against the `xl`
 * test double (test-double/) and against real Xen. `xenDriverPlugin` is
 * the driver as the coordinator registers it (`driver: { kind: xen }`).
 *
 * @example
 * ```ts
 * import { xenDriver } from '@xenos/xen-driver'
 *
 * const driver = await xenDriver({
 *   imageDir: '/var/lib/xenos/images',
 *   stateDir: '/var/lib/xenos/state',
 *   migration: { sshCommand: 'ssh' }
 * })()
 * console.log(await driver.hostFacts())
 * ```
 */
export { XenDriver, type XenDriverInit, type XenDriverComponents } from './xen-driver.js'
export { xenDriver } from './xen-driver-factory.js'
export { xenDriverPlugin, type XenDriverOptions } from './driver-plugin.js'
export { stateOf } from './xl-domains.js'
export type { MigrationInit } from './migrate-domain.js'
export { localCopyTransfer, scpTransfer, type ImageTransfer, type ScpTransferInit } from './image-transfer.js'
export { HostShell, shellQuote, type CommandResult, type RunOptions } from './host-shell.js'
export { XlOutputError, XlCommandError } from './errors.js'
export { parseXlList, type XlListRow } from './parsers/xl-list.js'
export { parseXlListLong, type XlDomainConfig } from './parsers/xl-list-long.js'
export { parseXlInfo, type XlInfo } from './parsers/xl-info.js'
export { parseXentop, type XentopRow } from './parsers/xentop.js'
export { xlConfig, macFor } from './xl-config.js'

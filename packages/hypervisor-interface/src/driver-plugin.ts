/**
 * A driver as a plugin of the coordinator. A driver package exports one
 * `DriverPlugin`: the `kind` a host file names (`driver: { kind, options }`),
 * the schema of its `options` (validated with the rest of the host file, so
 * a wrong option is reported at its file, line and column), how it makes the
 * driver of one host from them, and which image store that driver uses.
 * xenos-core looks plugins up by kind among those the application registers;
 * it names no backend itself.
 *
 * @example
 * ```ts
 * import { z } from 'zod'
 * import type { DriverPlugin } from '@xenos/hypervisor-interface'
 *
 * export const labDriverPlugin: DriverPlugin<{ imageDir: string }> = {
 *   kind: 'lab',
 *   description: 'a lab host',
 *   optionsSchema: ({ resolvePath }) => z.strictObject({ imageDir: z.string().min(1).transform(resolvePath) }),
 *   async create (options, host) {
 *     const driver = await openLabDriver(options.imageDir, host.hostname)
 *     return { driver, images: { kind: 'files', imageDir: options.imageDir }, close: async () => { await driver.close() } }
 *   }
 * }
 * ```
 */
import type { z } from 'zod'
import type { HypervisorDriver } from './driver.js'
import type { ImageTransferPort } from './image-transfer.js'

/** Where the host file is, for options that name files. */
export interface DriverOptionsContext {
  /** The absolute form of a path written in the host file (relative paths are relative to the file's folder). */
  resolvePath (path: string): string
}

/** The host a driver is made for, as its host file describes it. */
export interface DriverHostContext {
  /** The host file's `hostname`, when it sets one. */
  hostname?: string
  /** The coordinator's data directory (absolute): a driver keeps its own state in a folder of it. */
  dataDir: string
  /** The host file (absolute), for messages. */
  file: string
}

/**
 * The image store a driver uses, which decides how the coordinator moves
 * its images between hosts (xenos-core's one transfer algorithm either way):
 * - `files`: images are files under `imageDir`; the coordinator reads and
 *   writes them itself and carries their chunks over its overlay;
 * - `port`: the driver gives its own `ImageTransferPort` (its images as
 *   chunks, and its transport when it has one). `blankMissingImages`: images
 *   are sizes without bytes (a simulator), so an image a template file names
 *   but the host lacks is made blank when the file is loaded.
 */
export type DriverImageStore =
  | { kind: 'files', imageDir: string }
  | { kind: 'port', port: ImageTransferPort, blankMissingImages: boolean }

/** The driver of one host, made by a plugin. */
export interface PluginDriver {
  readonly driver: HypervisorDriver
  readonly images: DriverImageStore
  /** Releases what the driver holds (processes, a simulation); its domains keep running. */
  close (): Promise<void>
}

/** A driver package as the coordinator sees it. `Options` is what its schema gives. */
export interface DriverPlugin<Options = unknown> {
  /** The `driver.kind` of host files that use it (`xen`, `sim`). */
  readonly kind: string
  /** One line for people: what kind of host it drives. */
  readonly description: string
  /**
   * The schema of `driver.options`. Options that name files resolve them
   * with `context.resolvePath`. A host file without `options` is checked as
   * `{}`, so a plugin whose options all have defaults needs none.
   */
  optionsSchema (context: DriverOptionsContext): z.ZodType<Options>
  /** The driver of the host `host`, from options its schema gave. */
  create (options: Options, host: DriverHostContext): Promise<PluginDriver>
}

/**
 * The simulated driver as a plugin of the coordinator (`driver: { kind: sim }`
 * in a host file): one host of a simulated cluster, in live mode, for a
 * coordinator that runs in a process of its own. Its peers run in other
 * processes, so its image port is the store only: chunk stand-ins travel
 * over the coordinator's real overlay. Simulated images are sizes without
 * bytes, so a template file's missing images are made blank when loaded.
 *
 * ```yaml
 * driver:
 *   kind: sim
 *   options:
 *     platform: platform.yaml   # default: the paper's cluster (sim-engine's paper-2010.yaml)
 *     seed: 1                   # the simulation's random source
 *     host: node01              # which simulated host (default: the host file's hostname, else the platform's first)
 *     mode: live                # the only mode a coordinator can run: nothing would advance a manual simulation
 * ```
 */
import { z } from 'zod'
import { InvalidSpecError, type DriverPlugin } from '@xenos/hypervisor-interface'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SIM_BACKEND } from './engine-errors.js'
import { SimCluster } from './sim-cluster.js'

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

function simOptionsSchema ({ resolvePath }: { resolvePath: (path: string) => string }) {
  return z.strictObject({
    /** Platform description file of the simulated cluster. @default the paper's cluster */
    platform: z.string().min(1, { error: 'a non-empty path' }).refine(s => !s.includes('\0'), { error: 'a path without NUL' })
      .transform(resolvePath).optional(),
    /** Seed of the simulation's random source. */
    seed: z.int().min(0).default(1),
    /** Which simulated host this coordinator runs. @default the host file's hostname, else the platform's first host */
    host: z.string().regex(HOST_NAME, { error: 'a host name of letters, digits, ".", "_" or "-"' }).optional(),
    /** A coordinator answers in real time: only a live simulation runs by itself. */
    mode: z.literal('live', { error: '"live" for a coordinator (nothing would run a manual simulation)' }).default('live')
  })
}

/** `driver.options` of a `sim` host, as the schema gives them (paths absolute). */
export type SimDriverOptions = z.output<ReturnType<typeof simOptionsSchema>>

export const simDriverPlugin: DriverPlugin<SimDriverOptions> = {
  kind: SIM_BACKEND,
  description: 'a host of a simulated Xen cluster (a platform file), in live mode',
  optionsSchema: simOptionsSchema,
  async create (options, host) {
    const platform = await loadPlatform(options.platform ?? PAPER_PLATFORM_FILE)
    const cluster = new SimCluster({ platform, seed: options.seed, mode: options.mode })
    const names = cluster.hostnames()
    const name = options.host ?? host.hostname ?? names[0]!
    if (!names.includes(name)) {
      await cluster.close()
      const field = `${host.file}: driver.options.host`
      throw new InvalidSpecError(field, `a host of platform ${platform.name} (${names.join(', ')})`, name)
    }
    return {
      driver: cluster.driver(name),
      images: { kind: 'port', port: cluster.imagePort(name, { network: 'overlay' }), blankMissingImages: true },
      close: async () => { await cluster.close() }
    }
  }
}

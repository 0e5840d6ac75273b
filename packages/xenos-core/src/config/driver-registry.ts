/**
 * The drivers a coordinator can run, by kind: the `DriverPlugin`s the
 * application registers (the `xenos` command registers those of its driver
 * packages). A host file's `driver.kind` names one of them; its schema
 * checks `driver.options`, and `startHostFromConfig` makes the driver with
 * it. xenos-core itself names no backend.
 *
 * @example
 * ```ts
 * const drivers = driverRegistry([simDriverPlugin, xenDriverPlugin])
 * const config = await loadHostConfig('host.yaml', drivers)
 * const host = await startHostFromConfig(config, { drivers })
 * ```
 */
import type { DriverPlugin } from '@xenos/hypervisor-interface'
import { InvalidArgumentError } from '../errors.js'

export interface DriverRegistry {
  /** The registered kinds, in registration order. */
  readonly kinds: readonly string[]
  /** The plugin of `kind`; `InvalidArgumentError` naming the registered kinds when there is none. */
  get (kind: string): DriverPlugin
}

/** A registry of `plugins`: at least one, one per kind. */
export function driverRegistry (plugins: readonly DriverPlugin[]): DriverRegistry {
  if (plugins.length === 0) throw new InvalidArgumentError('plugins', 'at least one driver plugin', 'none')
  const byKind = new Map<string, DriverPlugin>()
  plugins.forEach((p, i) => {
    if (byKind.has(p.kind)) throw new InvalidArgumentError(`plugins[${i}].kind`, 'a kind no other plugin has', p.kind)
    byKind.set(p.kind, p)
  })
  const kinds = [...byKind.keys()]
  return {
    kinds,
    get (kind) {
      const p = byKind.get(kind)
      if (p === undefined) throw new InvalidArgumentError('driver.kind', `one of ${kinds.map(k => `"${k}"`).join(', ')}`, kind)
      return p
    }
  }
}

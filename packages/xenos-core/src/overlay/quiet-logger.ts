/**
 * libp2p's loggers when nothing asks for them. libp2p makes a logger for every
 * component, connection and stream (`forComponent`, then `newScope` per
 * stream); its default one builds three `debug` loggers each time, and each
 * asks the terminal whether it takes colours (an `isatty` call), even when
 * the `DEBUG` environment variable enables none of them, which is what
 * decides whether they print. A coordinator opens streams all the time
 * (searches, calls, membership, chunk requests): with `DEBUG` unset or empty
 * its node gets this logger instead, one disabled logger for everything,
 * which prints exactly what the default one would (nothing); with `DEBUG`
 * set, libp2p's own.
 *
 * @example
 * ```ts
 * const logger = quietLogger(process.env)
 * const libp2p = await createLibp2p({ ...(logger === undefined ? {} : { logger }), ...options })
 * ```
 */
import type { ComponentLogger, Logger } from '@libp2p/interface'

const noop = (): void => {}

/** One disabled logger: every scope of it is itself. */
const DISABLED: Logger = Object.assign((): void => {}, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Logger => DISABLED
})

const QUIET: ComponentLogger = { forComponent: () => DISABLED }

/**
 * The component logger to give libp2p: the disabled one when `env.DEBUG`
 * (what libp2p's loggers read) names nothing, otherwise undefined (libp2p's
 * default logger).
 */
export function quietLogger (env: Record<string, string | undefined>): ComponentLogger | undefined {
  return (env['DEBUG'] ?? '').trim() === '' ? QUIET : undefined
}

/**
 * The coordinator's host file (`host.yaml`).
 *
 * ```yaml
 * hostname: h01                       # optional; the driver's host name by default
 * driver:                             # a registered driver plugin (`DriverRegistry`):
 *   kind: KIND                        # its kind,
 *   options: { ... }                  # and options its own schema checks (paths relative to this file)
 * listen: [/ip4/127.0.0.1/tcp/4001]   # libp2p listen multiaddrs
 * bootstrap: [/ip4/127.0.0.1/tcp/4002/p2p/12D3KooW...]
 * dataDir: /var/lib/xenos             # relative paths are relative to this file
 * servicesDir: services
 * api:
 *   listen: 127.0.0.1:7001            # off loopback the API serves HTTPS
 *   maxRequestBytes: 1048576
 *   tls: { cert: api.crt, key: api.key }  # optional; off loopback one is generated in <dataDir>/api-tls
 *   insecureHttp: false               # true: plain HTTP off loopback (tokens in clear; warns)
 * cluster: /etc/xenos/cluster         # cluster.json and swarm.key from `xenos cluster init`
 * admission: admission.json           # this host's admission record; default <dataDir>/admission.json
 * insecureOpenOverlay: false          # true: no cluster credentials, anyone can join (warns)
 * mdns: false
 * tags: [ssd, rack1]
 * membership:                         # failure detection timings (all optional; defaults shown)
 *   probeIntervalMs: 1000             # one member probed per interval
 *   probeTimeoutMs: 1000              # direct answer; indirect probes wait twice that
 *   indirectProbes: 3                 # members asked to probe one that did not answer
 *   suspicionMult: 4                  # shortest suspicion: 4 x log10(members) probe intervals
 *   suspicionMaxMult: 3               # longest (no confirmation): 3 x the shortest
 *   pushPullIntervalMs: 5000          # full table exchange with one random member
 *   redialIntervalMs: 2000            # failed members redialled at most this far apart
 * failover:                           # services that outlive their host (all optional; defaults shown)
 *   enabled: true                     # false: no guarding, no takeovers, no fencing on this host
 *   checkIntervalMs: 1000             # how often the agent evaluates
 *   takeoverDelayMs: 10000            # a host declared failed this long has its services taken over
 *   fenceAfterMs: 3333                # cut off from a quorum this long: pause protected guests (< takeoverDelayMs)
 *   watchdog:                         # none by default: a coordinator that dies leaves its guests running
 *     device: /dev/watchdog           # written to while the coordinator runs (softdog, or a hardware timer)
 *     timeoutS: 5                     # the device's own timeout (softdog's soft_margin), below takeoverDelayMs
 * ```
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { ConfigError, ConfigFileError, validateYaml } from '@xenos/config-file'
import type { DriverOptionsContext } from '@xenos/hypervisor-interface'
import type { DriverRegistry } from './driver-registry.js'

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

const multiaddrText = z.string().refine((s) => {
  try { multiaddr(s); return s.startsWith('/') } catch { return false }
}, { error: 'a multiaddr such as /ip4/127.0.0.1/tcp/4001' })

const bootstrapAddr = z.string().refine((s) => {
  try { return multiaddr(s).getComponents().some(c => c.name === 'p2p') } catch { return false }
}, { error: 'a multiaddr ending in /p2p/<peer id>, such as /ip4/10.0.0.2/tcp/4001/p2p/12D3KooW...' })

/** `host:port` or `[v6]:port`. */
export function parseListenAddress (text: string): { host: string, port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? m[2] ?? '', port }
}

const listenText = z.string().refine(s => parseListenAddress(s) !== undefined, { error: 'an address host:port such as 127.0.0.1:7001 (port 0-65535)' })

const ms = z.int().min(1).max(3_600_000)

/** Failure detection timings (overlay/membership); every field optional, defaults in `SwimInit`. */
export const membershipTimingsSchema = z.strictObject({
  probeIntervalMs: ms.optional(),
  probeTimeoutMs: ms.optional(),
  indirectProbes: z.int().min(0).max(16).optional(),
  suspicionMult: z.number().positive().max(1000).optional(),
  suspicionMaxMult: z.number().min(1).max(100).optional(),
  gossipIntervalMs: ms.optional(),
  gossipFanout: z.int().min(0).max(32).optional(),
  pushPullIntervalMs: ms.optional(),
  redialIntervalMs: ms.optional(),
  connectTimeoutMs: ms.optional(),
  exchangeTimeoutMs: ms.optional(),
  leaveTimeoutMs: ms.optional()
})

/** Failover timings (failover/agent.ts); every field optional, defaults in `FailoverInit`. */
export const failoverSchema = z.strictObject({
  enabled: z.boolean().default(true),
  checkIntervalMs: ms.optional(),
  takeoverDelayMs: ms.optional(),
  fenceAfterMs: ms.optional(),
  /** The host's watchdog (`failover/watchdog.ts`): the machine resets when the coordinator stops writing to it. */
  watchdog: z.strictObject({
    device: z.string().min(1, { error: 'a device path' }).refine(s => s.startsWith('/') && !s.includes('\0'), { error: 'an absolute device path' }),
    timeoutS: z.number().min(1),
    petIntervalMs: ms.optional()
  }).optional()
}).refine(f => f.fenceAfterMs === undefined || f.fenceAfterMs < (f.takeoverDelayMs ?? 10_000), {
  error: 'fenceAfterMs less than takeoverDelayMs (10000 by default), so a cut-off host pauses its guests before others take them over',
  path: ['fenceAfterMs']
}).refine(f => f.watchdog === undefined || f.watchdog.timeoutS * 1000 < (f.takeoverDelayMs ?? 10_000), {
  error: 'a watchdog timeout below takeoverDelayMs (10000 by default), so the machine resets before others take its services over',
  path: ['watchdog', 'timeoutS']
})

const nonEmptyPath = z.string().min(1, { error: 'a non-empty path' }).refine(s => !s.includes('\0'), { error: 'a path without NUL' })

/** `driver:` as every host file has it: a plugin's kind, and the options its schema gave. */
interface AnyDriver { kind: string, options: unknown }

/** The host file's fields other than `driver`, whose schema comes from the registered plugins (`hostConfigSchema`). */
const hostFields = {
  hostname: z.string().regex(NAME_RE, { error: 'a host name of 1-64 letters, digits, ".", "_" or "-"' }).optional(),
  listen: z.array(multiaddrText).min(1).default(['/ip4/127.0.0.1/tcp/0']),
  bootstrap: z.array(bootstrapAddr).default([]),
  dataDir: nonEmptyPath,
  servicesDir: nonEmptyPath,
  api: z.strictObject({
    listen: listenText.default('127.0.0.1:7001'),
    maxRequestBytes: z.int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    tls: z.strictObject({ cert: nonEmptyPath, key: nonEmptyPath }).optional(),
    insecureHttp: z.boolean().default(false)
  }).default({ listen: '127.0.0.1:7001', maxRequestBytes: 1024 * 1024, insecureHttp: false }),
  cluster: nonEmptyPath.optional(),
  admission: nonEmptyPath.optional(),
  insecureOpenOverlay: z.boolean().default(false),
  mdns: z.boolean().default(false),
  /** Deadline of one call between coordinators (a migration's prepare may replicate the template first), in ms. */
  peerCallTimeoutMs: z.int().min(1000).max(3_600_000).default(10_000),
  /** Deadline of the searches the coordinator makes itself (the holders of a template, a migration's target), in ms. */
  searchDeadlineMs: z.int().min(1).max(600_000).default(2000),
  /** How often the coordinator compares its services' states with the driver's, in ms (0: never). */
  monitorIntervalMs: z.int().min(0).default(5000),
  tags: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { error: 'a tag of letters, digits, ".", "_", ":" or "-"' })).default([]),
  membership: membershipTimingsSchema.default({}),
  failover: failoverSchema.default({ enabled: true })
}

/** A host file's schema around a schema of its `driver`. */
const hostSchemaOf = (driver: z.ZodType<AnyDriver>) => z.strictObject({ driver, ...hostFields })
type HostSchema = ReturnType<typeof hostSchemaOf>

/**
 * The schema of a host file whose `driver.kind` is one of `drivers`, each
 * kind's `options` checked by its plugin's schema (a host file without
 * `options` is checked as `{}`); `resolvePath` makes the paths of the
 * options absolute.
 */
export function hostConfigSchema (drivers: DriverRegistry, context: DriverOptionsContext): HostSchema {
  const variants = drivers.kinds.map(kind => z.strictObject({ kind: z.literal(kind), options: drivers.get(kind).optionsSchema(context).prefault({}) }))
  const driver = z.discriminatedUnion('kind', variants as [typeof variants[number], ...Array<typeof variants[number]>])
  return hostSchemaOf(driver as z.ZodType<AnyDriver>)
}

export type HostConfigInput = z.input<HostSchema>

/** A validated host file, with every path made absolute (the driver's options by its plugin). */
export type HostConfig = z.output<HostSchema> & {
  /** Absolute path of the host file. */
  file: string
  /** This host's admission record (absolute; default `<dataDir>/admission.json`). */
  admission: string
  api: { listen: string, host: string, port: number, maxRequestBytes: number, tls?: { cert: string, key: string }, insecureHttp: boolean }
}

/**
 * Validates host file text, its `driver` against the plugins of `drivers`;
 * throws `ConfigFileError` listing every problem.
 */
export function parseHostConfig (text: string, file: string, drivers: DriverRegistry): HostConfig {
  const base = dirname(resolve(file))
  const abs = (p: string): string => resolve(base, p)
  const r = validateYaml(hostConfigSchema(drivers, { resolvePath: abs }), text, file)
  if (!r.ok) throw new ConfigFileError(file, r.errors)
  const c = r.value
  const dataDir = abs(c.dataDir)
  const addr = parseListenAddress(c.api.listen)
  if (addr === undefined) throw new ConfigFileError(file, [new ConfigError(file, 0, 0, 'api.listen', 'host:port', c.api.listen)])
  if (c.cluster === undefined && !c.insecureOpenOverlay) {
    const expected = 'a cluster directory (from `xenos cluster init`: cluster.json and swarm.key), or insecureOpenOverlay: true'
    throw new ConfigFileError(file, [new ConfigError(file, 0, 0, 'cluster', expected, 'none')])
  }
  return {
    ...c,
    file: resolve(file),
    dataDir,
    servicesDir: abs(c.servicesDir),
    ...(c.cluster !== undefined ? { cluster: abs(c.cluster) } : {}),
    admission: c.admission !== undefined ? abs(c.admission) : resolve(dataDir, 'admission.json'),
    api: { ...c.api, ...addr, ...(c.api.tls !== undefined ? { tls: { cert: abs(c.api.tls.cert), key: abs(c.api.tls.key) } } : {}) }
  }
}

/** Reads and validates a host file (see `parseHostConfig`); throws `ConfigFileError`. */
export async function loadHostConfig (file: string, drivers: DriverRegistry): Promise<HostConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigFileError(file, [new ConfigError(file, 0, 0, '', 'a readable host file', (err as NodeJS.ErrnoException).code ?? String(err))])
  }
  return parseHostConfig(text, file, drivers)
}

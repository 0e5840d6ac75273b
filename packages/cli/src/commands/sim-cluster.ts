import type { Command } from 'commander'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { ClusterAuthority, startXenosHost, serviceConfigSource, type XenosHost, type XenosHostInit } from '@xenos/core'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { UsageError } from '../errors.js'

type Out = (s: string) => void

function port (name: string, value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1024 || n > 65000) throw new UsageError(`--${name}: expected a port from 1024 to 65000, found "${value}"`)
  return n
}

/** The flags of `xenos sim-cluster`, as commander parses them. */
interface SimClusterFlags {
  platform?: string
  seed: string
  hosts?: string
  dataDir: string
  apiPort: string
  p2pPort: string
  services?: string
  insecureOpenOverlay?: boolean
  tag: string[]
}

export interface SimClusterOptions {
  /** Platform file. @default the paper's cluster */
  platform?: string
  seed: number
  /** Run only the first n hosts. */
  hosts?: number
  /** State of every coordinator, one folder per host, and the cluster's keys in `cluster/`. */
  dataDir: string
  /** API and libp2p ports of the first host; the others follow. */
  apiPort: number
  p2pPort: number
  /** Service and template config files for the first host. */
  services?: string
  insecureOpenOverlay?: boolean
  /** Tags per host name. */
  tags?: Map<string, string[]>
  /** The failover agents' timings (`XenosHostInit.failover`). @default their defaults */
  failover?: XenosHostInit['failover']
  /** Where each coordinator's warnings and errors without a caller go. @default standard error */
  log?: (host: string, message: string) => void
}

/** A running `xenos sim-cluster`: its hosts' coordinators, and the faults it can be given by hand. */
export interface SimClusterRun {
  readonly cluster: SimCluster
  readonly authority: ClusterAuthority
  /** The cluster's keys were made by this start. */
  readonly created: boolean
  /** Host names, in platform order. */
  readonly names: string[]
  /** The coordinator of each host that runs (a crashed host has none). */
  host (name: string): XenosHost | undefined
  /** The host's machine crashes: its guests die (the engine's fault) and its coordinator stops with it. */
  crash (name: string): Promise<void>
  /** The host's coordinator process dies alone: its guests run on, unwatched. */
  kill (name: string): Promise<void>
  /**
   * The host's coordinator starts again over the same data directory and
   * ports (it reattaches and reconciles), its machine booted first if it
   * crashed.
   */
  recover (name: string): Promise<XenosHost>
  /** Stop every coordinator and the simulation. */
  stop (): Promise<void>
}

/** A host name of the run, or a `UsageError` naming the ones there are. */
function known (names: string[], name: string): string {
  if (!names.includes(name)) throw new UsageError(`host: expected one of ${names.join(', ')}, found "${name}"`)
  return name
}

/**
 * Start a coordinator for every host of a simulated platform, on loopback,
 * in this process and over one simulated cluster (live mode). The overlay is
 * closed unless `insecureOpenOverlay`: the cluster's keys are made in
 * `<dataDir>/cluster` on the first start and used on every later one.
 */
export async function startSimCluster (opts: SimClusterOptions): Promise<SimClusterRun> {
  const log = opts.log ?? ((host: string, message: string) => { process.stderr.write(`xenos sim-cluster ${host}: ${message}\n`) })
  const platform = await loadPlatform(opts.platform ?? PAPER_PLATFORM_FILE)
  const cluster = new SimCluster({ platform, seed: opts.seed, mode: 'live' })
  const names = cluster.hostnames().slice(0, opts.hosts)
  const dataDir = resolve(opts.dataDir)
  await mkdir(dataDir, { recursive: true })
  const { authority, created } = await ClusterAuthority.loadOrCreate(join(dataDir, 'cluster'))
  const hosts = new Map<string, XenosHost>()
  const crashed = new Set<string>()
  const first = names[0]!

  async function start (name: string): Promise<XenosHost> {
    const i = names.indexOf(name)
    // joins through the first host, or any that runs when it is the one coming back
    const via = hosts.get(first) ?? [...hosts.values()][0]
    const bootstrap = via === undefined ? [] : [via.node.libp2p.getMultiaddrs()[0]!.toString()]
    const host = await startXenosHost({
      dataDir: join(dataDir, name),
      trust: await authority.hostTrust(join(dataDir, name), name),
      ...(opts.insecureOpenOverlay === true ? { insecureOpenOverlay: true } : {}),
      listen: [`/ip4/127.0.0.1/tcp/${opts.p2pPort + i}`],
      bootstrap,
      apiHost: '127.0.0.1',
      apiPort: opts.apiPort + i,
      tags: opts.tags?.get(name) ?? [],
      ...(opts.failover === undefined ? {} : { failover: opts.failover }),
      // Simulated images are sizes, not bytes: a template file's images are created on load.
      coordinator: { createMissingImages: true }
    }, {
      driver: cluster.driver(name),
      // templates and checkpoints travel by xenos-core's transfer, their chunks as flows of the simulated network
      images: cluster.imagePort(name),
      warn: (message) => { log(name, message) },
      ...(name === first && opts.services !== undefined ? { configSource: serviceConfigSource(resolve(opts.services)) } : {}),
      onError: (err) => { log(name, (err as Error).message) }
    })
    hosts.set(name, host)
    return host
  }

  try {
    for (const name of names) await start(name)
  } catch (err) {
    for (const h of [...hosts.values()].reverse()) await h.stop()
    await cluster.close()
    throw err
  }
  return {
    cluster, authority, created, names,
    host: name => hosts.get(known(names, name)),
    async crash (name) {
      if (crashed.has(known(names, name))) throw new UsageError(`crash ${name}: expected a running host, found it crashed already`)
      const h = hosts.get(name)
      cluster.faults.crashHost(name)
      crashed.add(name)
      hosts.delete(name)
      await h?.stop()
    },
    async kill (name) {
      const h = hosts.get(known(names, name))
      if (h === undefined) throw new UsageError(`kill ${name}: expected its coordinator running, found it stopped`)
      hosts.delete(name)
      await h.stop()
    },
    async recover (name) {
      if (hosts.has(known(names, name))) throw new UsageError(`recover ${name}: expected a crashed host or a stopped coordinator, found it running`)
      if (crashed.delete(name)) cluster.faults.recoverHost(name)
      return await start(name)
    },
    async stop () {
      for (const h of [...hosts.values()].reverse()) await h.stop()
      hosts.clear()
      await cluster.close()
    }
  }
}

export const SIM_CLUSTER_COMMANDS = 'crash HOST (its guests die, its coordinator stops), kill HOST (its coordinator dies, its guests run on), '
  + 'recover HOST (it boots again, its coordinator starts), hosts, help'

/**
 * Faults given by hand: one command per line of `input` (`crash node03`,
 * `kill node03`, `recover node03`, `hosts`); each answer or error is one
 * line of `out`.
 * Resolves when `input` ends.
 */
export async function simClusterConsole (run: SimClusterRun, input: Readable, out: Out): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity })
  for await (const raw of lines) {
    const [cmd, name, ...rest] = raw.trim().split(/\s+/)
    try {
      if (cmd === undefined || cmd === '') continue
      if (rest.length > 0) throw new UsageError(`expected one command and at most one host, found "${raw.trim()}"`)
      if (cmd === 'help') {
        out(`commands: ${SIM_CLUSTER_COMMANDS}\n`)
      } else if (cmd === 'hosts') {
        for (const n of run.names) out(`  ${n.padEnd(10)} ${run.host(n)?.apiUrl ?? 'down'}\n`)
      } else if ((cmd === 'crash' || cmd === 'kill' || cmd === 'recover') && name !== undefined) {
        if (cmd === 'crash') {
          await run.crash(name)
          out(`${name} crashed: its guests are gone, its coordinator stopped\n`)
        } else if (cmd === 'kill') {
          await run.kill(name)
          out(`${name}'s coordinator is gone: its guests run on, unwatched\n`)
        } else {
          const h = await run.recover(name)
          out(`${name} is back: its coordinator runs again at ${h.apiUrl}\n`)
        }
      } else {
        throw new UsageError(`expected one of: ${SIM_CLUSTER_COMMANDS}; found "${raw.trim()}"`)
      }
    } catch (err) {
      out(`error: ${(err as Error).message}\n`)
    }
  }
}

/**
 * `xenos sim-cluster`: every host of a simulated platform gets a real
 * coordinator (its own libp2p node on loopback TCP and its own XML-RPC API),
 * all in this process and over one simulated cluster, so migrations between
 * them are simulated end to end. The overlay is closed: the first start
 * makes a cluster in `<data-dir>/cluster` (swarm key, admission and issuing
 * keys, mode 0600) and every later start uses it; each coordinator is
 * admitted, and the administrator's token it prints is signed by the
 * cluster (`xenos users add NAME --cluster <data-dir>/cluster` makes more,
 * valid at once). Standard input takes faults by hand (`crash HOST`,
 * `kill HOST`, `recover HOST`). Runs until SIGINT/SIGTERM.
 */
export function simClusterCommand (program: Command, io: { out: Out }): void {
  program.command('sim-cluster')
    .description('run a coordinator for every host of a simulated platform, on loopback, until SIGINT/SIGTERM; '
      + `standard input takes faults by hand: ${SIM_CLUSTER_COMMANDS}`)
    .option('--platform <file>', 'platform file (default: the paper\'s 13-host cluster)')
    .option('--seed <n>', 'seed of the simulation', '1')
    .option('--hosts <n>', 'run only the first n hosts')
    .option('--data-dir <dir>', 'state of every coordinator, one folder per host', '.xenos/sim-cluster')
    .option('--api-port <port>', 'API port of the first host; the others follow', '7001')
    .option('--p2p-port <port>', 'libp2p TCP port of the first host; the others follow', '4001')
    .option('--services <dir>', 'service and template config files for the first host (the paper\'s master host holds the templates)')
    .option('--insecure-open-overlay', 'INSECURE: an overlay with no swarm key and no admission, which anyone who reaches a port can join')
    .option('--tag <host=tag>', 'give a host a tag (searches see it, as tags in host.yaml); repeatable',
      (v: string, all: string[]) => [...all, v], [] as string[])
    .action(async (opts: SimClusterFlags) => {
      const seed = Number(opts.seed)
      if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed: expected a non-negative integer, found "${opts.seed}"`)
      const hostCount = opts.hosts === undefined ? undefined : Number(opts.hosts)
      if (hostCount !== undefined && (!Number.isInteger(hostCount) || hostCount < 1)) {
        throw new UsageError(`--hosts: expected an integer >= 1, found "${opts.hosts}"`)
      }
      const platform = await loadPlatform(opts.platform ?? PAPER_PLATFORM_FILE)
      const names = platform.hosts.map(h => h.name).slice(0, hostCount)
      const tags = new Map<string, string[]>()
      for (const t of opts.tag) {
        const m = /^([^=]+)=([A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/.exec(t)
        if (m === null || !names.includes(m[1]!)) {
          throw new UsageError(`--tag: expected HOST=TAG with HOST one of ${names.join(', ')} and TAG of letters, digits, ".", "_", ":" or "-", found "${t}"`)
        }
        tags.set(m[1]!, [...(tags.get(m[1]!) ?? []), m[2]!])
      }
      const run = await startSimCluster({
        ...(opts.platform === undefined ? {} : { platform: opts.platform }), seed, ...(hostCount === undefined ? {} : { hosts: hostCount }),
        dataDir: opts.dataDir, apiPort: port('api-port', opts.apiPort), p2pPort: port('p2p-port', opts.p2pPort),
        ...(opts.services === undefined ? {} : { services: opts.services }),
        ...(opts.insecureOpenOverlay === true ? { insecureOpenOverlay: true } : {}), tags
      })
      try {
        const admin = run.authority.issueToken('admin', 'admin', { ttlMs: 7 * 24 * 3600_000 })
        await run.authority.addUser('admin')
        io.out(`simulated cluster ${run.cluster.engine.platform.name}: ${run.names.length} coordinators (seed ${seed})\n`)
        const open = opts.insecureOpenOverlay === true ? ' (overlay OPEN: insecure)' : ''
        io.out(`cluster ${run.authority.clusterId}${run.created ? ' (new)' : ''}: ${run.authority.dir}${open}\n`)
        for (const n of run.names) io.out(`  ${n.padEnd(10)} ${run.host(n)!.apiUrl}  ${run.host(n)!.peerId}\n`)
        io.out(`admin token: ${admin.token}\n  e.g. XENOS_API=${run.host(run.names[0]!)!.apiUrl} XENOS_TOKEN=<token> xenos hosts\n`)
        io.out(`  more users: xenos users add NAME --cluster ${run.authority.dir}\n`)
        io.out(`  faults by hand, one per line on standard input: ${SIM_CLUSTER_COMMANDS}\n`)
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', () => { resolve() })
          process.once('SIGTERM', () => { resolve() })
        })
        // the console ends with standard input (closed at once when it is /dev/null); the cluster runs on until a signal
        simClusterConsole(run, process.stdin, io.out).catch((err: unknown) => { io.out(`standard input: ${(err as Error).message}\n`) })
        await stopped
      } finally {
        process.stdin.destroy()
        await run.stop()
      }
    })
}

import type { Command } from 'commander'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ClusterAuthority, startXenosHost, serviceConfigSource, type XenosHost } from '@xenos/core'
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

/**
 * `xenos sim-cluster`: every host of a simulated platform gets a real
 * coordinator (its own libp2p node on loopback TCP and its own XML-RPC API),
 * all in this process and over one simulated cluster, so migrations between
 * them are simulated end to end. The overlay is closed: the first start
 * makes a cluster in `<data-dir>/cluster` (swarm key, admission and issuing
 * keys, mode 0600) and every later start uses it; each coordinator is
 * admitted, and the administrator's token it prints is signed by the
 * cluster (`xenos users add NAME --cluster <data-dir>/cluster` makes more,
 * valid at once). Runs until SIGINT/SIGTERM.
 */
export function simClusterCommand (program: Command, io: { out: Out }): void {
  program.command('sim-cluster')
    .description('run a coordinator for every host of a simulated platform, on loopback, until SIGINT/SIGTERM')
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
      const platform = await loadPlatform(opts.platform ?? PAPER_PLATFORM_FILE)
      const cluster = new SimCluster({ platform, seed, mode: 'live' })
      const names = cluster.hostnames().slice(0, opts.hosts === undefined ? undefined : Number(opts.hosts))
      const tags = new Map<string, string[]>()
      for (const t of opts.tag) {
        const m = /^([^=]+)=([A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/.exec(t)
        if (m === null || !names.includes(m[1]!)) {
          throw new UsageError(`--tag: expected HOST=TAG with HOST one of ${names.join(', ')} and TAG of letters, digits, ".", "_", ":" or "-", found "${t}"`)
        }
        tags.set(m[1]!, [...(tags.get(m[1]!) ?? []), m[2]!])
      }
      const dataDir = resolve(opts.dataDir)
      await mkdir(dataDir, { recursive: true })
      const { authority, created } = await ClusterAuthority.loadOrCreate(join(dataDir, 'cluster'))
      const admin = authority.issueToken('admin', 'admin', { ttlMs: 7 * 24 * 3600_000 })
      await authority.addUser('admin')
      const apiBase = port('api-port', opts.apiPort)
      const p2pBase = port('p2p-port', opts.p2pPort)
      const hosts: XenosHost[] = []
      try {
        for (const [i, name] of names.entries()) {
          const bootstrap = hosts.length > 0 ? [`${hosts[0]!.node.libp2p.getMultiaddrs()[0]!.toString()}`] : []
          hosts.push(await startXenosHost({
            dataDir: join(dataDir, name),
            trust: await authority.hostTrust(join(dataDir, name), name),
            ...(opts.insecureOpenOverlay === true ? { insecureOpenOverlay: true } : {}),
            listen: [`/ip4/127.0.0.1/tcp/${p2pBase + i}`],
            bootstrap,
            apiHost: '127.0.0.1',
            apiPort: apiBase + i,
            tags: tags.get(name) ?? [],
            // Simulated images are sizes, not bytes: a template file's images are created on load.
            coordinator: { createMissingImages: true }
          }, {
            driver: cluster.driver(name),
            // templates travel by xenos-core's transfer, their chunks as flows of the simulated network
            images: cluster.imagePort(name),
            warn: (message) => { process.stderr.write(`xenos sim-cluster ${name}: ${message}\n`) },
            ...(i === 0 && opts.services !== undefined ? { configSource: serviceConfigSource(resolve(opts.services)) } : {}),
            onError: (err) => { process.stderr.write(`xenos sim-cluster ${name}: ${(err as Error).message}\n`) }
          }))
        }
        io.out(`simulated cluster ${platform.name}: ${hosts.length} coordinators (seed ${seed})\n`)
        const open = opts.insecureOpenOverlay === true ? ' (overlay OPEN: insecure)' : ''
        io.out(`cluster ${authority.clusterId}${created ? ' (new)' : ''}: ${authority.dir}${open}\n`)
        for (const [i, h] of hosts.entries()) io.out(`  ${names[i]!.padEnd(10)} ${h.apiUrl}  ${h.peerId}\n`)
        io.out(`admin token: ${admin.token}\n  e.g. XENOS_API=${hosts[0]!.apiUrl} XENOS_TOKEN=<token> xenos hosts\n`)
        io.out(`  more users: xenos users add NAME --cluster ${authority.dir}\n`)
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => { resolve() })
          process.once('SIGTERM', () => { resolve() })
        })
      } finally {
        for (const h of hosts.reverse()) await h.stop()
        await cluster.close()
      }
    })
}

/**
 * What the cluster's checks cost:
 *
 * - connection set-up between two overlay nodes on loopback (dial to an
 *   upgraded connection, a fresh connection each time): closed overlay (Noise
 *   with the swarm key as prologue, then the admission exchange and two
 *   signature checks) against an open overlay (Noise alone), in the same run;
 * - per call: checking a cluster token (`HostTrust.verifyToken`: Ed25519
 *   signature, expiry, revocation) the first time a token is seen and then
 *   from its cache, against a `UserStore` lookup of a random token (one
 *   SHA-256), the check an API made before;
 * - one `xenos.hostInfo`-like XML-RPC call over HTTP on loopback authenticated
 *   each way.
 *
 * Prints a line per figure and the same as JSON lines (`{"bench":"trust",...}`).
 * Run: `npm run bench -w @xenos/core -- bench/trust.bench.ts` or
 * `node ../../scripts/run-ts.mjs bench/trust.bench.ts [--quick]`.
 */
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createOverlayNode, type OverlayNode } from '../src/overlay/node.js'
import { tempDir, testAuthority } from '../src/overlay/test-helpers.js'
import { UserStore } from '../src/auth/user-store.js'
import { MethodRegistry } from '../src/xmlrpc/registry.js'
import { createXmlRpcHttpServer } from '../src/xmlrpc/http-server.js'
import { XmlRpcClient, httpTransport } from '../src/xmlrpc/client.js'
import type { Credentials } from '../src/xmlrpc/credentials.js'
import type { Principal } from '../src/auth/principal.js'

function quantile (samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

function report (figure: string, unit: string, values: Record<string, number>, note = ''): void {
  const text = Object.entries(values).map(([k, v]) => `${k} ${v.toFixed(unit === 'us' ? 2 : 3)} ${unit}`).join(', ')
  console.log(`  ${figure.padEnd(34)} ${text}${note === '' ? '' : `  (${note})`}`)
  console.log(JSON.stringify({ bench: 'trust', figure, unit, ...values }))
}

/** Median and p90 of the time to open a fresh connection from `from` to `to`, in ms. */
async function connectionSetup (from: OverlayNode, to: OverlayNode, rounds: number): Promise<{ p50: number, p90: number }> {
  const addr = to.libp2p.getMultiaddrs()[0]!
  const samples: number[] = []
  for (let i = 0; i < rounds + 5; i++) {
    const t0 = performance.now()
    const conn = await from.libp2p.dial(addr)
    const ms = performance.now() - t0
    if (i >= 5) samples.push(ms) // the first dials warm up the JIT
    await conn.close()
    while (from.libp2p.getConnections(conn.remotePeer).length > 0 || to.libp2p.getConnections(from.libp2p.peerId).length > 0) {
      await new Promise(resolve => setTimeout(resolve, 1))
    }
  }
  return { p50: quantile(samples, 0.5), p90: quantile(samples, 0.9) }
}

/** Mean time of `fn` over `n` runs, in µs. */
function perCallUs (n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i)
  const t0 = performance.now()
  for (let i = 0; i < n; i++) fn(i)
  return (performance.now() - t0) * 1000 / n
}

async function apiCallMs (authenticate: (c: Credentials) => Principal, token: string, calls: number): Promise<number> {
  const registry = new MethodRegistry()
  registry.register({
    name: 'xenos.hostInfo', params: [], returns: 'struct', help: 'stand-in', access: 'authenticated', handler: () => ({ hostname: 'h1', cores: 4 })
  })
  const server = createXmlRpcHttpServer({ registry, authenticate })
  const { url } = await server.listen(0, '127.0.0.1')
  const transport = httpTransport({ url, credentials: { scheme: 'bearer', token } })
  const client = new XmlRpcClient({ transport })
  try {
    for (let i = 0; i < 200; i++) await client.call('xenos.hostInfo')
    const samples: number[] = []
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now()
      await client.call('xenos.hostInfo')
      samples.push(performance.now() - t0)
    }
    return quantile(samples, 0.5)
  } finally {
    transport.close()
    await server.close()
  }
}

export async function main (argv: string[]): Promise<void> {
  const quick = argv.includes('--quick')
  const rounds = quick ? 30 : 200
  const checks = quick ? 5000 : 50_000
  console.log(`Trust benchmark on ${cpus().length} cores, load average ${(loadavg()[0] ?? 0).toFixed(1)} at start${quick ? ' (quick)' : ''}`)
  const cluster = await testAuthority()
  const dirs = await Promise.all([0, 1, 2, 3].map(async () => await tempDir('xenos-bench-trust-')))
  const nodes: OverlayNode[] = []
  try {
    const closed = [await createOverlayNode({ dataDir: dirs[0]!.path, trust: await cluster.authority.nodeTrust(dirs[0]!.path) }),
      await createOverlayNode({ dataDir: dirs[1]!.path, trust: await cluster.authority.nodeTrust(dirs[1]!.path) })]
    const open = [await createOverlayNode({ dataDir: dirs[2]!.path, insecureOpenOverlay: true, warn: () => {} }),
      await createOverlayNode({ dataDir: dirs[3]!.path, insecureOpenOverlay: true, warn: () => {} })]
    nodes.push(...closed, ...open)
    console.log(`Connection set-up on loopback (dial to upgraded connection), ${rounds} fresh connections each`)
    const c = await connectionSetup(closed[0]!, closed[1]!, rounds)
    const o = await connectionSetup(open[0]!, open[1]!, rounds)
    report('connection closed overlay', 'ms', { p50: c.p50, p90: c.p90 }, 'swarm-key prologue + admission exchange')
    report('connection open overlay', 'ms', { p50: o.p50, p90: o.p90 }, 'Noise alone, the peer')
    report('connection added by the checks', 'ms', { p50: c.p50 - o.p50 })

    const trust = closed[0]!.trust as Awaited<ReturnType<typeof cluster.authority.nodeTrust>>
    const tokens = Array.from({ length: checks }, (_, i) => cluster.authority.issueToken(`user${i % 100}`, 'user').token)
    const users = new UserStore()
    const { token: random } = await users.addUser('bench', 'user')
    console.log(`Per-call credential check, mean of ${checks}`)
    let k = 0
    const firstUs = perCallUs(checks, () => { trust.verifyToken(tokens[k++ % tokens.length]!) })
    report('cluster token, first sight', 'us', { mean: firstUs }, 'Ed25519 verify; the cache holds 4096 tokens')
    const cachedUs = perCallUs(checks, () => { trust.verifyToken(tokens[0]!) })
    report('cluster token, cached', 'us', { mean: cachedUs }, 'expiry and revocation only')
    const storeUs = perCallUs(checks, () => { users.authenticate({ scheme: 'bearer', token: random }) })
    report('users-file token (the peer)', 'us', { mean: storeUs }, 'one SHA-256')

    const calls = quick ? 300 : 3000
    console.log(`One XML-RPC call over HTTP on loopback, p50 of ${calls}`)
    const clusterToken = tokens[1]!
    const viaCluster = await apiCallMs(cred => trust.verifyToken(cred.token), clusterToken, calls)
    const viaStore = await apiCallMs(cred => users.authenticate(cred), random, calls)
    report('API call, cluster token', 'ms', { p50: viaCluster })
    report('API call, users-file token', 'ms', { p50: viaStore })
    console.log(`  load average ${(loadavg()[0] ?? 0).toFixed(1)} at the end`)
  } finally {
    for (const n of nodes) await n.stop()
    for (const d of dirs) await d.remove()
    await cluster.remove()
  }
}

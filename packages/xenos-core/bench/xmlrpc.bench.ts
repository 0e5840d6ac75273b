/**
 * XML-RPC round trip against one server on loopback:
 * latency p50/p99 of sequential calls and calls per second with several
 * calls in flight, through the real HTTP server, the real client (keep-alive
 * agent) and token authentication. Client and server share this process, so
 * the figures are conservative. Targets: p50 <= 2 ms, >= 2,000 calls/s.
 *
 * Run: `npm run bench -w @xenos/core` or `node ../../scripts/run-ts.mjs bench/xmlrpc.bench.ts [--quick]`.
 */
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { UserStore, XmlRpcClient, createXmlRpcHttpServer, httpTransport, MethodRegistry, authorize, faultFor } from '../src/index.js'

/** A host-info-like answer: what `xenos.hostInfo` returns, roughly. */
function hostInfo (n: number): Record<string, unknown> {
  return {
    kind: 'host', hostname: `h${n % 100}`, backend: 'sim', cores: 4, totalMemoryMiB: 4096, freeMemoryMiB: 1536,
    freeDiskBytes: 5 * 2 ** 40, freeDiskMiB: 5 * 2 ** 20, tags: ['ssd', 'rack1'], templates: ['hadoop-slave', 'web'], services: 3,
    apiUrl: 'http://127.0.0.1:7001/RPC2', peerId: '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
  }
}

/** Nearest-rank quantile of sorted samples. */
function quantileSorted (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

export async function main (argv: string[]): Promise<void> {
  const quick = argv.includes('--quick')
  const latencyCalls = quick ? 500 : 5000
  const throughputCalls = quick ? 2000 : 20000
  const inFlight = 16

  const users = new UserStore()
  const { token } = await users.addUser('bench', 'user')
  const registry = new MethodRegistry({ mapError: faultFor })
  registry.register({
    name: 'xenos.hostInfo', params: ['int?'], returns: 'struct', help: 'Bench stand-in for xenos.hostInfo.',
    handler: ([n], ctx) => { authorize(ctx, 'user', 'xenos.hostInfo'); return hostInfo(n ?? 0) }
  })
  const server = createXmlRpcHttpServer({ registry, authenticate: c => users.authenticate(c) })
  const { url } = await server.listen(0, '127.0.0.1')
  const transport = httpTransport({ url, credentials: { scheme: 'bearer', token }, maxSockets: inFlight })
  const client = new XmlRpcClient({ transport })

  try {
    for (let i = 0; i < 300; i++) await client.call('xenos.hostInfo', [i]) // warm-up (JIT, sockets)

    const samplesMs: number[] = []
    for (let i = 0; i < latencyCalls; i++) {
      const t0 = performance.now()
      await client.call('xenos.hostInfo', [i])
      samplesMs.push(performance.now() - t0)
    }
    samplesMs.sort((a, b) => a - b)
    const p50 = quantileSorted(samplesMs, 0.5)
    const p90 = quantileSorted(samplesMs, 0.9)
    const p99 = quantileSorted(samplesMs, 0.99)

    let next = 0
    const t0 = performance.now()
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < throughputCalls) {
        const i = next++
        await client.call('xenos.hostInfo', [i])
      }
    }))
    const elapsedS = (performance.now() - t0) / 1000
    const callsPerS = throughputCalls / elapsedS

    const requestBytes = Buffer.byteLength('<?xml version="1.0" encoding="UTF-8"?>\n'
      + '<methodCall><methodName>xenos.hostInfo</methodName><params><param><value><int>1</int></value></param></params></methodCall>\n')
    console.log('XML-RPC round trip, one server on loopback (client and server in one process, bearer token auth)')
    console.log(`  sequential calls:        ${latencyCalls}`)
    console.log(`  latency p50:             ${p50.toFixed(3)} ms   (target <= 2 ms: ${p50 <= 2 ? 'met' : 'MISSED'})`)
    console.log(`  latency p90 / p99:       ${p90.toFixed(3)} / ${p99.toFixed(3)} ms`)
    console.log(`  throughput:              ${Math.round(callsPerS)} calls/s with ${inFlight} in flight, ${throughputCalls} calls`
      + `   (target >= 2,000: ${callsPerS >= 2000 ? 'met' : 'MISSED'})`)
    console.log(`  machine:                 ${cpus().length} cores, load average ${(loadavg()[0] ?? 0).toFixed(1)} while measuring (the tail grows with load)`)
    console.log(`  request size:            ${requestBytes} bytes; response: a 14-member struct`)
  } finally {
    transport.close()
    await server.close()
  }
}

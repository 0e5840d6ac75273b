/**
 * Overlay benchmark: search latency over 13 and 100 nodes, image
 * transfer throughput over libp2p against a raw TCP copy, and one image to 12
 * hosts at once against a single transfer. Prints figures and whether each
 * target is met. All on loopback; the machine's load is printed because the
 * libp2p figures (JavaScript Noise/Yamux) fall with CPU contention much more
 * than a kernel TCP copy does.
 *
 * Run: `npm run bench -w @xenos/core` (all benches) or
 * `node ../../scripts/run-ts.mjs bench/overlay.bench.ts [-- --quick] [-- --only=search|transfer]`.
 */
import { cpus, loadavg } from 'node:os'
import { benchSearch, type SearchFigures } from './overlay-search.js'
import { benchFanOut, benchThroughput } from './overlay-transfer.js'

const MiB = 1024 * 1024

function mbps (bps: number): string {
  return `${(bps / 1e6).toFixed(1)} MB/s`
}

function verdict (ok: boolean): string {
  return ok ? 'met' : 'MISSED'
}

function printSearch (f: SearchFigures, targets: boolean): void {
  const t = targets ? `   (targets p50 <= 50 ms: ${verdict(f.p50Ms <= 50)}, p99 <= 200 ms: ${verdict(f.p99Ms <= 200)})` : ''
  console.log(`  ${String(f.nodes).padStart(3)} nodes, ${f.strategy.padEnd(6)}: p50 ${f.p50Ms.toFixed(1)} ms, p90 ${f.p90Ms.toFixed(1)} ms,`
    + ` p99 ${f.p99Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms over ${f.queries} queries from ${f.queriers} queriers${t}`)
  console.log(`             incomplete results: ${f.incomplete}; mean connections per node ${f.meanConnections.toFixed(1)};`
    + ` set-up ${f.setupS.toFixed(1)} s; load ${f.load.toFixed(1)}`)
}

export async function main (argv: string[]): Promise<void> {
  const quick = argv.includes('--quick')
  const only = argv.find(a => a.startsWith('--only='))?.slice('--only='.length)
  console.log(`Overlay benchmark on ${cpus().length} cores, load average ${(loadavg()[0] ?? 0).toFixed(1)} at start${quick ? ' (quick)' : ''}`)

  if (only === undefined || only === 'search') {
    console.log('Search latency (every node in this process, so a query\'s work on all nodes shares these cores)')
    console.log('  direct = query each known host on its search stream (default); flood = floodsub flood, direct replies')
    const [d13, f13] = await benchSearch(13, quick ? 50 : 200, quick ? 30 : 100, 4)
    printSearch(d13!, true)
    printSearch(f13!, false)
    const [d100, f100] = await benchSearch(100, quick ? 50 : 200, quick ? 10 : 30, 4)
    printSearch(d100!, true)
    printSearch(f100!, false)
  }

  if (only === undefined || only === 'transfer') {
    const size = (quick ? 32 : 128) * MiB
    const t = await benchThroughput(size, quick ? 1 : 3)
    console.log(`Image transfer throughput, ${size / MiB} MiB, holder in another process, best of ${t.runs}`)
    console.log(`  raw TCP socket copy:        ${mbps(t.rawBps)}`)
    console.log(`  libp2p chunked fetch:       ${mbps(t.libp2pBps)}   (Noise + Yamux, 4 MiB chunks, SHA-256 verified, staging file)`)
    console.log(`  ratio libp2p / raw:         ${t.ratio.toFixed(2)}   (target >= 0.7: ${verdict(t.ratio >= 0.7)}); load ${(loadavg()[0] ?? 0).toFixed(1)}`)

    const capBps = 1_250_000
    const f = await benchFanOut(4 * MiB, 128 * 1024, capBps)
    console.log(`One image (4 MiB, 128 KiB chunks) to 12 hosts at once vs one host, every host's upload capped at ${mbps(capBps)} (one link per host)`)
    console.log(`  single transfer:            ${f.singleS.toFixed(2)} s`)
    console.log(`  12 hosts at once:           ${f.twelveS.toFixed(2)} s   (ratio ${f.ratio.toFixed(2)}, target <= 1.5: ${verdict(f.ratio <= 1.5)})`)
    console.log(`  seeder sent:                ${(f.seederSentBytes / MiB).toFixed(1)} MiB for 12 copies (the rest came from the hosts themselves)`)
    const u = await benchFanOut(4 * MiB, 128 * 1024, undefined)
    console.log(`  uncapped, for the record:   single ${u.singleS.toFixed(2)} s, 12 at once ${u.twelveS.toFixed(2)} s`
      + ` (ratio ${u.ratio.toFixed(2)}: on one machine 12 copies cost 12x the CPU, no link is shared)`)
  }
}

/**
 * TEST ONLY child process (netns-lab.ts): one overlay (membership, search)
 * on the given listen address, admitted to the lab's cluster (its
 * directory given), answering JSON requests on stdin, one per
 * line: `view` (its members and failed members), `search` (a search with
 * `timeoutMs`), `leave`. Prints `{ peerId, addrs }` once started; stops
 * when stdin ends.
 */
import { createInterface } from 'node:readline'
import { startOverlay } from '../../src/overlay/index.js'
import { ClusterAuthority } from '../../src/trust/index.js'

const [clusterDir, dataDir, listen, name, bootstrapJson, membershipJson] = process.argv.slice(2) as [string, string, string, string, string, string]
const trust = await (await ClusterAuthority.load(clusterDir)).nodeTrust(dataDir, { name })
const overlay = await startOverlay({
  dataDir, trust, name, listen: [listen], bootstrap: JSON.parse(bootstrapJson) as string[], membership: JSON.parse(membershipJson) as Record<string, number>,
  matcher: async () => [{ host: name }]
})
process.stdout.write(`${JSON.stringify({ peerId: overlay.node.peerId, addrs: overlay.node.multiaddrs() })}\n`)

const startMs = performance.now()
for await (const line of createInterface({ input: process.stdin })) {
  const req = JSON.parse(line) as { id: number, cmd: string, timeoutMs?: number }
  try {
    let result: unknown
    if (req.cmd === 'view') {
      const brief = (m: { peerId: string, state: string, reason?: string }): unknown => ({ peerId: m.peerId, state: m.state, reason: m.reason })
      result = { atMs: performance.now() - startMs, members: overlay.membership.members().map(brief), failed: overlay.membership.failed().map(brief) }
    } else if (req.cmd === 'search') {
      const r = await overlay.search.search('any', { timeoutMs: req.timeoutMs ?? 2000 })
      result = { hosts: r.matches.map(m => m.records[0]?.['host']).sort(), missing: r.missing, missingReasons: r.missingReasons, durationMs: r.durationMs }
    } else if (req.cmd === 'leave') {
      await overlay.leave()
      result = true
    } else {
      throw new Error(`expected a command view, search or leave, found ${JSON.stringify(req.cmd)}`)
    }
    process.stdout.write(`${JSON.stringify({ id: req.id, result })}\n`)
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ id: req.id, error: (err as Error).message })}\n`)
  }
}
await overlay.stop()

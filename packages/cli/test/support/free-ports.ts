/**
 * `n` consecutive free TCP ports on loopback, for commands that number their
 * hosts' ports from the first (xenos sim-cluster's --api-port and --p2p-port).
 */
import { createServer } from 'node:net'

export async function freePorts (n: number): Promise<number> {
  const free = async (port: number): Promise<boolean> => await new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => { resolve(false) })
    s.listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
  })
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    let ok = true
    for (let i = 0; i < n && ok; i++) ok = await free(base + i)
    if (ok) return base
  }
}

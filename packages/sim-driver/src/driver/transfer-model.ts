import type { SimCluster } from './sim-cluster.js'

/**
 * A file transfer between two simulated hosts, as the engine models it: the
 * source disk reads, the network carries and the target disk writes the
 * bytes at once (a streamed copy), sharing every resource with whatever
 * else runs. It is the shape xenos-core's modeled image fetcher takes
 * (`TransferModel`), so template replication between coordinators on
 * simulated hosts costs simulated time.
 */
export function simTransferModel (cluster: SimCluster): (fromHost: string, toHost: string, bytes: number) => Promise<void> {
  return async (fromHost, toHost, bytes) => {
    if (!(bytes > 0)) return
    const e = cluster.engine
    const from = e.host(fromHost)
    const to = e.host(toHost)
    await Promise.all([
      e.io({ on: from, op: 'read', bytes }).wait(),
      e.comm({ from, to, bytes }).wait(),
      e.io({ on: to, op: 'write', bytes }).wait()
    ])
  }
}

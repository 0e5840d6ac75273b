import type { ImageInfo } from '@xenos/hypervisor-interface'
import { imageInfo } from '../images/image-store.js'
import type { SimCluster } from './sim-cluster.js'
import { runActivities } from './run-activities.js'

/**
 * A file transfer between two simulated hosts, as the engine models it: the
 * source disk reads, the network carries and the target disk writes the
 * bytes at once (a streamed copy), sharing every resource with whatever
 * else runs, and costing Domain 0 CPU on both hosts per byte as migration
 * traffic does (`SimCluster.migrationDom0FlopsPerByte`). It runs as a
 * control-plane operation of the cluster (`SimCluster.operation`): if one
 * flow fails the others are canceled, and closing the cluster cancels it.
 * It has the shape of xenos-core's `TransferModel`, so template replication
 * between coordinators on simulated hosts costs simulated time.
 */
export function simTransferModel (cluster: SimCluster): (fromHost: string, toHost: string, bytes: number) => Promise<void> {
  return async (fromHost, toHost, bytes) => {
    if (!(bytes > 0)) return
    const e = cluster.engine
    const from = e.host(fromHost)
    const to = e.host(toHost)
    await cluster.operation(`transfer ${fromHost} -> ${toHost}`, async (op) => {
      await runActivities(op, [
        e.io({ on: from, op: 'read', bytes }),
        e.comm({ from, to, bytes, dom0FlopsPerByte: cluster.migrationDom0FlopsPerByte }),
        e.io({ on: to, op: 'write', bytes })
      ])
    })
  }
}

/**
 * A copy of a file (an image or a checkpoint) from one simulated host's
 * store to another's, as `scp` or a chunked fetch would make it: the bytes
 * it holds cross the simulated disks and network (`simTransferModel`), and
 * the copy holds what the original holds (a checkpoint stays restorable).
 * Space is taken at the destination first; on failure nothing is left there.
 */
export function simFileCopy (cluster: SimCluster): (fromHost: string, path: string, toHost: string, destination: string) => Promise<ImageInfo> {
  const transfer = simTransferModel(cluster)
  return async (fromHost, path, toHost, destination) => {
    const file = cluster.hostState(fromHost).store.file(path)
    const reservation = cluster.hostState(toHost).store.reserve(destination, file.allocatedBytes)
    try {
      await transfer(fromHost, toHost, file.allocatedBytes)
    } catch (err) {
      reservation.abort()
      throw err
    }
    const { path: _path, allocatedBytes: _allocated, ...content } = file
    return imageInfo(reservation.commit(structuredClone(content)))
  }
}

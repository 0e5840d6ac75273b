/**
 * Where a simulated Hadoop cluster runs on `@xenos/sim-engine`: the master
 * and slave places for a cluster setup, and the `SimHadoop` built on them.
 *
 * The VMs are the engine's own: either created by the deployer through the
 * Xenos API (the coordinators' sim drivers create them; `fromDomains` finds
 * them by name), or created here directly (`createLayout`) when a test or a
 * model-only run needs no control plane.
 */
import type { Engine, SimHost, SimVm } from '@xenos/sim-engine'
import { EngineSubstrate } from './engine-substrate.js'
import { SimHadoop } from './sim-hadoop.js'
import type { HadoopCosts } from './job-costs.js'
import { DomainMemory } from './memory.js'
import type { Place } from './substrate.js'
import type { TaskTrackerNode } from './mapreduce.js'
import type { ClusterSetup, HadoopSettings } from '../setups.js'
import { LayoutError } from '../errors.js'

/** A Hadoop node's location: a host, and the VM on it (absent for a native node). */
export interface NodeLocation { host: string, vm?: string }

export interface ClusterLayout {
  master: NodeLocation
  slaves: NodeLocation[]
}

/** Memory of the Hadoop master VM: not stated in the paper; 1 GiB is an estimate (NameNode + JobTracker JVMs). */
export const MASTER_VM_MEMORY_MIB = 1024

/**
 * Creates the VMs of `setup` directly on the engine: the master VM on
 * `masterHost` (native master for native setups), and `setup.vmsPerHost`
 * slave VMs on each of `slaveHosts`.
 */
export function createLayout (engine: Engine, setup: ClusterSetup, masterHost: string, slaveHosts: readonly string[]): ClusterLayout {
  if (!setup.virtualized) return { master: { host: masterHost }, slaves: slaveHosts.map(host => ({ host })) }
  engine.host(masterHost).createVm({ name: 'hadoop-master', vcpus: 1, memoryMiB: MASTER_VM_MEMORY_MIB })
  const slaves: NodeLocation[] = []
  for (const host of slaveHosts) {
    for (let i = 1; i <= setup.vmsPerHost; i++) {
      const vm = `hadoop-slave-${i}`
      engine.host(host).createVm({ name: vm, vcpus: setup.vcpusPerVm, memoryMiB: setup.vmMemoryMiB })
      slaves.push({ host, vm })
    }
  }
  return { master: { host: masterHost, vm: 'hadoop-master' }, slaves }
}

export interface SimHadoopClusterInit {
  engine: Engine
  setup: ClusterSetup
  layout: ClusterLayout
  settings: HadoopSettings
  costs: HadoopCosts
}

/** The simulated Hadoop of `setup` on the places of `layout`. */
export function simHadoopCluster (init: SimHadoopClusterInit): { hadoop: SimHadoop, substrate: EngineSubstrate, master: Place, slaves: Place[] } {
  const { engine, setup, layout } = init
  const sub = new EngineSubstrate(engine)
  const placeOf = (loc: NodeLocation, field: string): Place => {
    const host: SimHost = engine.host(loc.host)
    if (loc.vm === undefined) return sub.hostPlace(host)
    const vm: SimVm | undefined = host.vms.get(loc.vm)
    if (vm === undefined) throw new LayoutError(field, `a VM named "${loc.vm}" on ${loc.host}`, 'none')
    return sub.vmPlace(vm)
  }
  const master = placeOf(layout.master, 'master')
  const slaves = layout.slaves.map((s, i) => placeOf(s, `slaves[${i}]`))
  if (slaves.length === 0) throw new LayoutError('slaves', 'at least one slave', 'none')
  const hostIds = [...new Set(slaves.map(s => s.hostId))]
  // Compute-only VMs over a native HDFS: one datanode per host, in Domain 0.
  const hostDatanodes = new Map(hostIds.map(h => [h, sub.hostPlace(engine.host(h))]))
  const datanodes = setup.hdfs === 'host' ? [...hostDatanodes.values()] : slaves
  const nodes: TaskTrackerNode[] = slaves.map(place => ({
    place,
    datanode: setup.hdfs === 'host' ? hostDatanodes.get(place.hostId) : place,
    mapSlots: init.settings.mapSlotsPerNode,
    reduceSlots: init.settings.reduceSlotsPerNode
  }))
  const memory = domainMemories(engine, sub, setup, init.costs, master, slaves, [...hostDatanodes.values()])
  const hadoop = new SimHadoop({ sub, master, nodes, datanodes, slaveHosts: hostIds.length, settings: init.settings, costs: init.costs, memory })
  return { hadoop, substrate: sub, master, slaves }
}

/**
 * The memory of every domain Hadoop runs in: the master (NameNode,
 * JobTracker and the job client's JVM), each slave (its DataNode and
 * TaskTracker, or only the TaskTracker over a native HDFS), and on Xen
 * hosts Domain 0 (its own processes, and the DataNode over a native HDFS).
 */
function domainMemories (
  engine: Engine, sub: EngineSubstrate, setup: ClusterSetup, costs: HadoopCosts, master: Place, slaves: readonly Place[], hosts: readonly Place[]
): Map<string, DomainMemory> {
  const m = costs.memory
  const out = new Map<string, DomainMemory>()
  const add = (place: Place, daemons: number, otherMiB = 0): void => {
    const swapRequests = { readBytes: m.swapReadRequestBytes, writeBytes: m.swapWriteRequestBytes }
    out.set(place.id, new DomainMemory(sub, place, m.kernelMiB + otherMiB + daemons * m.daemonResidentMiB, m.kernelMiB, m.pageCacheFloorMiB, swapRequests))
  }
  add(master, 3)
  for (const s of slaves) add(s, setup.hdfs === 'host' ? 1 : 2)
  if (setup.virtualized) {
    // Domain 0's own processes are the platform's estimate (kernel included); the DataNode joins them over a native HDFS.
    const dom0MiB = Math.max(0, engine.platform.pageCache.dom0WorkingSetMiB - m.kernelMiB)
    for (const h of hosts) add(h, setup.hdfs === 'host' ? 1 : 0, dom0MiB)
  }
  return out
}

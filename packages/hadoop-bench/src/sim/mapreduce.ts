/**
 * A flow-level model of Hadoop 0.20 MapReduce: a JobTracker on the master,
 * a TaskTracker per Hadoop node, tasks as activities on the simulated
 * resources.
 *
 * - TaskTrackers heartbeat every `heartbeatS` (3 s in 0.20), each with a
 *   random phase. Only on a heartbeat does the JobTracker learn of finished
 *   tasks and hand out new ones, as 0.20's JobQueueTaskScheduler does: maps
 *   up to the tracker's share of the remaining load (ceil(remaining maps /
 *   cluster map slots x tracker slots)), data-local maps first; then at most
 *   one reduce per heartbeat, once `reduceSlowstart` of the maps have
 *   finished. (Its padding for speculative tasks is not modelled.) One job setup task runs
 *   before the maps and one cleanup task after the reduces, as in 0.20.
 * - Every task starts a child JVM (CPU work), then: a map reads its split
 *   from HDFS while computing (streaming: both flows run at once), and
 *   spills its output to local disk (a second pass when it exceeds the sort
 *   buffer); a reduce fetches every map's partition with `parallelCopies`
 *   copiers, at most one fetch per TaskTracker at a time as 0.20's
 *   ReduceCopier does (what overflows the shuffle buffer is spilled and
 *   merged back), computes, and writes its output to HDFS through the
 *   write pipeline.
 * - Every task's child JVM holds memory in its domain (`memory.ts`): a map
 *   its io.sort.mb buffer from the start, a reduce its shuffle buffer; when
 *   the domain's processes need more than it has, the excess goes to swap,
 *   written when a task takes memory and read back as tasks touch their
 *   buffers (a map once over its output, a reduce at each in-memory merge).
 * - A task's CPU work varies from attempt to attempt: a lognormal factor of
 *   mean 1 and coefficient of variation `variance.taskCpuCv`, drawn from the
 *   seed and the task's identity.
 * - When the JobTracker cannot be reached (its VM is paused or migrating),
 *   heartbeats go unanswered; a task that stays unreported longer than
 *   `unreportedTaskTimeoutS` is failed and re-executed.
 * - A task whose place fails (host crash) fails and is re-executed elsewhere.
 *
 * Costs come from the cost file; contention comes from the substrate.
 */
import type { Place, Substrate } from './substrate.js'
import type { HdfsBlock, SimHdfs } from './hdfs.js'
import type { HadoopCosts } from './job-costs.js'
import { emptyCounters, type JobCounters } from '../jobs.js'
import type { HadoopSettings } from '../setups.js'
import { mapJvmMiB, reduceJvmMiB, shuffleBufferMiB, type DomainMemory } from './memory.js'

const MiB = 1024 * 1024

export interface TaskTrackerNode {
  /** Where the TaskTracker and its tasks run. */
  readonly place: Place
  /** This node's own datanode (for data locality), if any. */
  readonly datanode?: Place
  readonly mapSlots: number
  readonly reduceSlots: number
}

/** One map's work. */
export interface MapInput {
  /** The HDFS block it reads, when it reads one. */
  block?: HdfsBlock
  /** CPU work besides reading, in flops. */
  flops: number
  /** Map output spilled to local disk, bytes. */
  outputBytes: number
  /** Bytes this map writes straight to HDFS (map-only jobs), bytes. */
  hdfsOutputBytes: number
}

export interface MrJob {
  name: string
  maps: MapInput[]
  reduces: number
  reduceFlopsPerByte: number
  reduceOutputRatio: number
  outputPath: string
}

export interface MrResult {
  durationS: number
  counters: JobCounters
  phases: { firstMapStartS: number, lastMapEndS: number, firstReduceStartS: number, endS: number }
}

type TaskKind = 'setup' | 'map' | 'reduce' | 'cleanup'
interface Task { kind: TaskKind, index: number, attempt: number }
interface Finished { task: Task, atS: number, ok: boolean }

interface TrackerState {
  node: TaskTrackerNode
  runningMaps: number
  runningReduces: number
  unreported: Finished[]
}

interface MapDone { index: number, place: Place, outputBytes: number }

export interface SimMapReduceInit {
  sub: Substrate
  hdfs: SimHdfs
  master: Place
  nodes: readonly TaskTrackerNode[]
  heartbeatS: number
  costs: HadoopCosts
  /** The Hadoop configuration (child heap, io.sort.mb, shuffle buffer). */
  settings: HadoopSettings
  /** Memory of each domain tasks run in, by place id; a place without one has memory to spare. */
  memory?: ReadonlyMap<string, DomainMemory>
}

export class SimMapReduce {
  constructor (private readonly init: SimMapReduceInit) {}

  async run (job: MrJob): Promise<MrResult> {
    return await new JobRun(this.init, job).run()
  }
}

class JobRun {
  private readonly sub: Substrate
  private readonly trackers: TrackerState[]
  private readonly pendingMaps: number[]
  private readonly pendingReduces: number[]
  private readonly mapDone = new Map<number, MapDone>()
  /** The values of `mapDone` in its order (the order maps were reported done), for the reduces' copiers to scan without a copy. */
  private readonly mapDoneOrder: MapDone[] = []
  private readonly reducesDone = new Set<number>()
  private setupState: 'pending' | 'running' | 'done' = 'pending'
  private cleanupState: 'pending' | 'running' | 'done' = 'pending'
  private done = false
  private finish!: () => void
  private readonly finished: Promise<void>
  private mapEventWaiters: Array<() => void> = []
  private readonly counters = emptyCounters()
  private readonly attempts = new Map<string, number>()
  private readonly phases = { firstMapStartS: Infinity, lastMapEndS: 0, firstReduceStartS: Infinity, endS: 0 }
  private readonly startS: number
  private readonly mapPlaces = new Map<number, Place>()

  constructor (private readonly init: SimMapReduceInit, private readonly job: MrJob) {
    this.sub = init.sub
    this.trackers = init.nodes.map(node => ({ node, runningMaps: 0, runningReduces: 0, unreported: [] }))
    this.pendingMaps = job.maps.map((_, i) => i)
    this.pendingReduces = Array.from({ length: job.reduces }, (_, i) => i)
    this.finished = new Promise((resolve) => { this.finish = resolve })
    this.startS = this.sub.nowS()
  }

  async run (): Promise<MrResult> {
    const fw = this.init.costs.framework
    // Submission: the client writes the job jar to HDFS from the master.
    if (fw.jobJarBytes > 0) await this.init.hdfs.writeFile(this.init.master, `/jobs/${this.job.name}/job.jar`, fw.jobJarBytes, 'generated')
    const loops = this.trackers.map(t => this.trackerLoop(t))
    await this.finished
    await Promise.all(loops)
    return { durationS: this.phases.endS - this.startS, counters: this.counters, phases: this.phases }
  }

  private async trackerLoop (t: TrackerState): Promise<void> {
    await this.sub.sleep(this.sub.random() * this.init.heartbeatS)
    while (!this.done) {
      if (this.sub.isRunning(this.init.master) && this.sub.isRunning(t.node.place)) this.heartbeat(t)
      if (this.done) break
      await this.sub.sleep(this.init.heartbeatS)
    }
  }

  /** The JobTracker's handling of one heartbeat from `t`. */
  private heartbeat (t: TrackerState): void {
    const now = this.sub.nowS()
    const timeout = this.init.costs.framework.unreportedTaskTimeoutS
    for (const f of t.unreported.splice(0)) {
      const ok = f.ok && now - f.atS <= timeout
      this.report(f.task, ok, t)
    }
    if (this.done) return
    // JobQueueTaskScheduler (0.20): a tracker gets tasks up to its share of
    // the remaining load, ceil(remaining / cluster capacity x its slots),
    // so a small job spreads over the trackers instead of filling the first
    // ones to heartbeat; and at most one reduce per heartbeat.
    const mapCapacity = this.trackers.reduce((s, x) => s + x.node.mapSlots, 0)
    const reduceCapacity = this.trackers.reduce((s, x) => s + x.node.reduceSlots, 0)
    const remainingMaps = this.job.maps.length - this.mapDone.size
    const remainingReduces = this.job.reduces - this.reducesDone.size
    const mapShare = Math.min(Math.ceil(remainingMaps / mapCapacity * t.node.mapSlots), t.node.mapSlots)
    const reduceShare = Math.min(Math.ceil(remainingReduces / Math.max(1, reduceCapacity) * t.node.reduceSlots), t.node.reduceSlots)
    let freeMaps = t.node.mapSlots - t.runningMaps
    let mapsToAssign = Math.min(freeMaps, mapShare - t.runningMaps)
    let freeReduces = Math.min(reduceShare - t.runningReduces, 1)
    if (this.setupState === 'pending' && freeMaps > 0) {
      this.setupState = 'running'
      this.launch(t, { kind: 'setup', index: 0, attempt: 0 })
      return
    }
    if (this.setupState !== 'done') return
    while (mapsToAssign > 0 && this.pendingMaps.length > 0) {
      this.launch(t, { kind: 'map', index: this.pickMap(t), attempt: 0 })
      mapsToAssign--
      freeMaps--
    }
    const needed = Math.ceil(this.init.costs.framework.reduceSlowstart * this.job.maps.length)
    if (this.mapDone.size >= needed) {
      while (freeReduces > 0 && this.pendingReduces.length > 0) {
        this.launch(t, { kind: 'reduce', index: this.pendingReduces.shift()!, attempt: 0 })
        freeReduces--
      }
    }
    if (this.cleanupState === 'pending' && freeMaps > 0 && this.allWorkDone()) {
      this.cleanupState = 'running'
      this.launch(t, { kind: 'cleanup', index: 0, attempt: 0 })
    }
  }

  private allWorkDone (): boolean {
    return this.mapDone.size === this.job.maps.length && this.reducesDone.size === this.job.reduces
  }

  /** A data-local pending map if there is one, else the first pending map. */
  private pickMap (t: TrackerState): number {
    const dn = t.node.datanode
    let at = 0
    if (dn !== undefined) {
      const local = this.pendingMaps.findIndex(i => this.job.maps[i]!.block?.replicas.some(r => r.id === dn.id) === true)
      if (local >= 0) at = local
    }
    return this.pendingMaps.splice(at, 1)[0]!
  }

  private report (task: Task, ok: boolean, t: TrackerState): void {
    switch (task.kind) {
      case 'setup':
        this.setupState = ok ? 'done' : 'pending'
        break
      case 'cleanup':
        if (ok) { this.cleanupState = 'done'; this.complete() } else this.cleanupState = 'pending'
        break
      case 'map':
        if (ok) {
          const place = this.mapPlaces.get(task.index) ?? t.node.place
          const d: MapDone = { index: task.index, place, outputBytes: this.job.maps[task.index]!.outputBytes }
          const before = this.mapDone.get(task.index)
          this.mapDone.set(task.index, d)
          if (before === undefined) this.mapDoneOrder.push(d)
          else this.mapDoneOrder[this.mapDoneOrder.indexOf(before)] = d
          this.phases.lastMapEndS = Math.max(this.phases.lastMapEndS, this.sub.nowS())
          for (const w of this.mapEventWaiters.splice(0)) w()
        } else {
          this.counters.mapsFailed++
          this.counters.tasksReexecuted++
          this.pendingMaps.push(task.index)
        }
        break
      case 'reduce':
        if (ok) this.reducesDone.add(task.index)
        else { this.counters.reducesFailed++; this.counters.tasksReexecuted++; this.pendingReduces.push(task.index) }
        break
    }
  }

  private complete (): void {
    this.done = true
    this.phases.endS = this.sub.nowS()
    for (const w of this.mapEventWaiters.splice(0)) w()
    this.finish()
  }

  private launch (t: TrackerState, task: Task): void {
    const key = `${task.kind}:${task.index}`
    task.attempt = this.attempts.get(key) ?? 0
    this.attempts.set(key, task.attempt + 1)
    if (task.kind === 'reduce') t.runningReduces++
    else t.runningMaps++
    if (task.kind === 'map') {
      this.counters.mapsLaunched++
      if (this.job.maps[task.index]!.block?.replicas.some(r => r.id === t.node.datanode?.id) === true) this.counters.dataLocalMaps++
      this.phases.firstMapStartS = Math.min(this.phases.firstMapStartS, this.sub.nowS())
    }
    if (task.kind === 'reduce') {
      this.counters.reducesLaunched++
      this.phases.firstReduceStartS = Math.min(this.phases.firstReduceStartS, this.sub.nowS())
    }
    void this.execute(t, task).then(
      () => { this.taskEnded(t, task, true) },
      () => { this.taskEnded(t, task, false) }
    )
  }

  private taskEnded (t: TrackerState, task: Task, ok: boolean): void {
    if (task.kind === 'reduce') t.runningReduces--
    else t.runningMaps--
    t.unreported.push({ task, atS: this.sub.nowS(), ok })
  }

  private async execute (t: TrackerState, task: Task): Promise<void> {
    const place = t.node.place
    const fw = this.init.costs.framework
    await this.sub.exec(place, fw.jvmStartFlops)
    const mem = this.init.memory?.get(place.id)
    const jvmMiB = this.jvmMiB(task)
    await mem?.take(jvmMiB)
    try {
      const cpu = this.cpuFactor(task)
      switch (task.kind) {
        case 'setup': await this.sub.exec(place, fw.setupTaskFlops * cpu); return
        case 'cleanup': await this.sub.exec(place, fw.cleanupTaskFlops * cpu); return
        case 'map': await this.runMap(place, task, cpu, mem); return
        case 'reduce': await this.runReduce(place, task, cpu, mem); return
      }
    } finally {
      mem?.give(jvmMiB)
    }
  }

  /** Resident memory of the task's child JVM, MiB. */
  private jvmMiB (task: Task): number {
    const { settings } = this.init
    const memory = this.init.costs.memory
    if (task.kind === 'map') return mapJvmMiB(settings, memory, this.job.reduces > 0)
    if (task.kind === 'reduce') return reduceJvmMiB(settings, memory, this.shuffleBytesPerReduce())
    return memory.childJvmOverheadMiB
  }

  private shuffleBytesPerReduce (): number {
    if (this.job.reduces === 0) return 0
    return this.job.maps.reduce((s, m) => s + m.outputBytes, 0) / this.job.reduces
  }

  /** The attempt's CPU factor: lognormal, mean 1, coefficient of variation `taskCpuCv`, from the seed and the task's identity. */
  private cpuFactor (task: Task): number {
    const cv = this.init.costs.variance.taskCpuCv
    const z = this.sub.keyedNormal(`${this.job.name}/${task.kind}/${task.index}/${task.attempt}`)
    if (cv === 0) return 1
    const sigma2 = Math.log(1 + cv * cv)
    return Math.exp(Math.sqrt(sigma2) * z - sigma2 / 2)
  }

  private async runMap (place: Place, task: Task, cpu: number, mem: DomainMemory | undefined): Promise<void> {
    const m = this.job.maps[task.index]!
    const flows: Array<Promise<unknown>> = [this.sub.exec(place, m.flops * cpu)]
    if (m.block !== undefined) flows.push(this.init.hdfs.readBlock(place, m.block))
    if (m.hdfsOutputBytes > 0) {
      flows.push(this.init.hdfs.writeFile(place, `${this.job.outputPath}/part-m-${task.index}-${task.attempt}`, m.hdfsOutputBytes, 'generated'))
      this.counters.hdfsBytesWritten += m.hdfsOutputBytes
    }
    await Promise.all(flows)
    if (m.block !== undefined) this.counters.hdfsBytesRead += m.block.sizeBytes
    // The map's records went through its sort buffer (at least its input's size before a combiner), sorted there and spilled.
    if (this.job.reduces > 0 && m.block !== undefined) {
      await mem?.touch(Math.min(this.init.settings.ioSortMiB * MiB, Math.max(m.block.sizeBytes, m.outputBytes)))
    }
    if (m.outputBytes > 0) {
      const key = mapOutputKey(this.job, task.index, place)
      await this.sub.write(place, m.outputBytes, key)
      if (m.outputBytes > this.init.settings.ioSortMiB * MiB) {
        // More than one spill: the spills are merged into one output file.
        await this.sub.read(place, m.outputBytes, key)
        await this.sub.write(place, m.outputBytes, key)
      }
    }
    this.mapPlaces.set(task.index, place)
  }

  private async runReduce (place: Place, task: Task, cpu: number, mem: DomainMemory | undefined): Promise<void> {
    const fw = this.init.costs.framework
    const heapBytes = this.init.settings.childHeapMiB * MiB
    const bufferBytes = shuffleBufferMiB(this.init.settings) * MiB
    // 0.20's ReduceCopier: a segment above `shuffleSingleSegmentFraction` of
    // the buffer goes straight to disk; in memory, once `shuffleMergePercent`
    // of the buffer is used, the in-memory merger writes the buffered
    // segments to one file on disk while the copiers go on.
    const singleSegmentLimit = bufferBytes * fw.shuffleSingleSegmentFraction
    const mergeAt = bufferBytes * fw.shuffleMergePercent
    const fetched = new Set<number>()
    // Each spill is its own file on the reducer's local disk (its own cache key).
    const spills: Array<{ key: string, bytes: number }> = []
    const merges: Array<Promise<void>> = []
    let buffered = 0
    let shuffled = 0
    const spill = (bytes: number, fromMemory: boolean): void => {
      const key = `shuffle:${this.job.name}:${task.index}.${task.attempt}:${spills.length}@${place.id}`
      spills.push({ key, bytes })
      // An in-memory merge reads the buffered segments: what of them is on swap comes back first.
      const write = async (): Promise<void> => { await this.sub.write(place, bytes, key) }
      merges.push(fromMemory && mem !== undefined ? mem.touch(bytes).then(write) : write())
    }
    const fetchOne = async (d: MapDone): Promise<void> => {
      const bytes = d.outputBytes / this.job.reduces
      const flows: Array<Promise<void>> = [this.sub.read(d.place, bytes, mapOutputKey(this.job, d.index, d.place))]
      if (d.place.id !== place.id) flows.push(this.sub.transfer(d.place, place, bytes))
      await Promise.all(flows)
      shuffled += bytes
      if (bytes > singleSegmentLimit) { spill(bytes, false); return }
      buffered += bytes
      if (buffered >= mergeAt) { spill(buffered, true); buffered = 0 }
    }
    // `parallelCopies` copier threads, each taking the next finished map
    // whose TaskTracker no other copier of this reduce is fetching from
    // (0.20's ReduceCopier keeps one fetch per host at a time).
    const busyPlaces = new Set<string>()
    let copierWaiters: Array<() => void> = []
    const wakeCopiers = (): void => { for (const w of copierWaiters.splice(0)) w() }
    // The first finished map, in the order they were reported, that this reduce has not fetched and
    // whose host no copier is fetching from. Fetched maps only accumulate, so those before
    // `unfetchedFrom` are never looked at again.
    const done = this.mapDoneOrder
    let unfetchedFrom = 0
    const nextToFetch = (): MapDone | undefined => {
      while (unfetchedFrom < done.length && fetched.has(done[unfetchedFrom]!.index)) unfetchedFrom++
      for (let k = unfetchedFrom; k < done.length; k++) {
        const d = done[k]!
        if (!fetched.has(d.index) && !busyPlaces.has(d.place.id)) return d
      }
      return undefined
    }
    const copier = async (): Promise<void> => {
      while (fetched.size < this.job.maps.length && !this.done) {
        const next = nextToFetch()
        if (next === undefined) {
          // Wait for a map to finish or another copier to free a host.
          await new Promise<void>((resolve) => {
            copierWaiters.push(resolve)
            this.mapEventWaiters.push(resolve)
          })
          continue
        }
        fetched.add(next.index)
        busyPlaces.add(next.place.id)
        try {
          await fetchOne(next)
        } finally {
          busyPlaces.delete(next.place.id)
          wakeCopiers()
        }
      }
      wakeCopiers()
    }
    await Promise.all(Array.from({ length: fw.parallelCopies }, copier))
    copierWaiters = []
    this.counters.shuffleBytes += shuffled
    // After the copy phase, what stays in memory for the reduce is bounded by
    // `reduceInputBufferFraction` of the heap (0 in 0.20: "Merged N segments,
    // B bytes to disk to satisfy reduce memory limit").
    const keep = Math.min(buffered, heapBytes * fw.reduceInputBufferFraction)
    if (buffered > keep) spill(buffered - keep, true)
    await Promise.all(merges)
    // The final merge reads the on-disk files together into the reduce.
    await Promise.all(spills.map(f => this.sub.read(place, f.bytes, f.key)))
    await this.sub.exec(place, shuffled * this.job.reduceFlopsPerByte * cpu)
    const outBytes = Math.round(shuffled * this.job.reduceOutputRatio)
    if (outBytes > 0) {
      await this.init.hdfs.writeFile(place, `${this.job.outputPath}/part-r-${task.index}-${task.attempt}`, outBytes, 'generated')
      this.counters.hdfsBytesWritten += outBytes
    }
  }
}

function mapOutputKey (job: MrJob, index: number, place: Place): string {
  return `mapout:${job.name}:${index}@${place.id}`
}

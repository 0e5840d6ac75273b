/**
 * A simulated Hadoop 0.20 cluster on a substrate: HDFS plus MapReduce, and
 * the benchmark jobs as the paper ran them. Each job's duration is measured
 * on the simulated clock from the job's submission to its completion; what
 * a job needs beforehand (the local file `put` uploads, the input Wordcount
 * reads, RandomWriter's output that Sort sorts) is prepared first, untimed,
 * as the paper's scripts did, leaving caches as they would be.
 */
import type { Place, Substrate } from './substrate.js'
import { SimHdfs } from './hdfs.js'
import { SimMapReduce, type MapInput, type MrJob, type TaskTrackerNode } from './mapreduce.js'
import type { HadoopCosts, JobCosts } from './job-costs.js'
import type { DomainMemory } from './memory.js'
import type { HadoopSettings } from '../setups.js'
import { emptyCounters, validateJob, type JobResult, type JobSpec } from '../jobs.js'

export interface SimHadoopInit {
  sub: Substrate
  /** Where the NameNode, JobTracker and the job client run. */
  master: Place
  /** One per Hadoop slave node. */
  nodes: readonly TaskTrackerNode[]
  /** The HDFS datanodes (the slave nodes, or the hosts for compute-only VMs). */
  datanodes: readonly Place[]
  /** Physical slave hosts (RandomWriter runs `mapsPerHost` maps per host). */
  slaveHosts: number
  settings: HadoopSettings
  costs: HadoopCosts
  /** Memory of each domain Hadoop runs in, by place id (see `memory.ts`). */
  memory?: ReadonlyMap<string, DomainMemory>
}

export interface SimRunOptions {
  /** Called once, at the simulated time (s) the job's timed part starts. */
  onSubmitted?: (atS: number) => void
}

export class SimHadoop {
  readonly hdfs: SimHdfs
  private readonly mr: SimMapReduce
  private seq = 0

  constructor (private readonly init: SimHadoopInit) {
    this.hdfs = new SimHdfs(init.sub, init.datanodes, init.settings.replication, init.settings.blockSizeBytes, init.costs.hdfs)
    this.mr = new SimMapReduce({
      sub: init.sub, hdfs: this.hdfs, master: init.master, nodes: init.nodes, heartbeatS: init.settings.heartbeatS,
      costs: init.costs, settings: init.settings, ...(init.memory !== undefined ? { memory: init.memory } : {})
    })
  }

  /**
   * Runs one benchmark job (its untimed preparation first) and reports it.
   * `options.onSubmitted` is told the simulated time the timed part starts
   * (after the preparation), so a caller can act at a point of the job
   * itself (the master-migration experiment migrates the master half way).
   */
  async run (spec: JobSpec, options: SimRunOptions = {}): Promise<JobResult> {
    const job = validateJob(spec)
    const id = ++this.seq
    const sub = this.init.sub
    const submitted = (): void => { options.onSubmitted?.(sub.nowS()) }
    switch (job.kind) {
      case 'hdfs-put': {
        const local = `/local/put-${id}`
        await this.generateLocalFile(local, job.sizeBytes)
        await sub.settle()
        submitted()
        const t0 = sub.nowS()
        await this.hdfs.writeFile(this.init.master, `/bench/put-${id}`, job.sizeBytes, { localFile: local })
        return this.hdfsResult(job, sub.nowS() - t0, 0, job.sizeBytes * this.init.settings.replication)
      }
      case 'hdfs-get': {
        const local = `/local/get-src-${id}`
        await this.generateLocalFile(local, job.sizeBytes)
        await this.hdfs.writeFile(this.init.master, `/bench/get-${id}`, job.sizeBytes, { localFile: local })
        await sub.settle()
        submitted()
        const t0 = sub.nowS()
        await this.hdfs.readFileToLocal(this.init.master, `/bench/get-${id}`, `/local/get-out-${id}`)
        return this.hdfsResult(job, sub.nowS() - t0, job.sizeBytes, 0)
      }
      case 'wordcount': {
        const input = `/bench/wc-in-${id}`
        await this.generateLocalFile(`/local/wc-${id}`, job.inputBytes)
        await this.hdfs.writeFile(this.init.master, input, job.inputBytes, { localFile: `/local/wc-${id}` })
        await sub.settle()
        submitted()
        return await this.runMr(job, this.mrFromInput(`wordcount-${id}`, input, this.init.costs.jobs.wordcount))
      }
      case 'randomwriter':
        submitted()
        return await this.runMr(job, this.randomWriter(`randomwriter-${id}`, job.sizeBytes))
      case 'sort': {
        const rw = this.randomWriter(`sort-gen-${id}`, job.inputBytes)
        await this.mr.run(rw)
        await sub.settle()
        const input = rw.outputPath
        submitted()
        return await this.runMr(job, this.mrFromFiles(`sort-${id}`, this.outputFiles(input), this.init.costs.jobs.sort))
      }
      case 'pi': {
        const c = this.init.costs.jobs.pi
        submitted()
        const t0 = sub.nowS()
        // PiEstimator writes one small input file per map from the client first.
        for (let i = 0; i < job.maps; i++) await this.hdfs.writeFile(this.init.master, `/bench/pi-${id}/in/part${i}`, 118, 'generated')
        const maps: MapInput[] = Array.from({ length: job.maps }, () => ({
          flops: job.samplesPerMap * (c.flopsPerSample ?? 0), outputBytes: 32, hdfsOutputBytes: 0
        }))
        const r = await this.runMr(job, {
          name: `pi-${id}`,
          maps,
          reduces: this.reduceCount(c),
          reduceFlopsPerByte: c.reduceFlopsPerByte,
          reduceOutputRatio: c.reduceOutputRatio,
          outputPath: `/bench/pi-${id}/out`
        })
        return { ...r, durationS: sub.nowS() - t0 }
      }
    }
  }

  /** The paper's input files were "generated by scripts beforehand" on the master. */
  private async generateLocalFile (path: string, sizeBytes: number): Promise<void> {
    const block = this.init.settings.blockSizeBytes
    for (let off = 0, i = 0; off < sizeBytes; off += block, i++) {
      await this.init.sub.write(this.init.master, Math.min(block, sizeBytes - off), `${path}#${i}`)
    }
  }

  private hdfsResult (job: JobSpec, durationS: number, read: number, written: number): JobResult {
    return { job, durationS, counters: { ...emptyCounters(), hdfsBytesRead: read, hdfsBytesWritten: written } }
  }

  private reduceCount (c: JobCosts): number {
    if ('fixed' in c.reduces) return c.reduces.fixed
    const slots = this.init.nodes.reduce((s, n) => s + n.reduceSlots, 0)
    return Math.max(1, Math.floor(slots * c.reduces.perReduceSlot))
  }

  private mrFromInput (name: string, input: string, c: JobCosts): MrJob {
    return this.mrFromFiles(name, [input], c)
  }

  private mrFromFiles (name: string, files: string[], c: JobCosts): MrJob {
    const maps: MapInput[] = files.flatMap(f => this.hdfs.blocks(f).map(block => ({
      block,
      flops: block.sizeBytes * (c.mapFlopsPerByte ?? 0),
      outputBytes: Math.round(block.sizeBytes * c.mapOutputRatio),
      hdfsOutputBytes: 0
    })))
    return {
      name,
      maps,
      reduces: this.reduceCount(c),
      reduceFlopsPerByte: c.reduceFlopsPerByte,
      reduceOutputRatio: c.reduceOutputRatio,
      outputPath: `/bench/${name}/out`
    }
  }

  private randomWriter (name: string, sizeBytes: number): MrJob {
    const c = this.init.costs.jobs.randomwriter
    const count = (c.mapsPerHost ?? 10) * this.init.slaveHosts
    const perMap = Math.ceil(sizeBytes / count)
    const maps: MapInput[] = Array.from({ length: count }, () => ({ flops: perMap * (c.mapFlopsPerByte ?? 0), outputBytes: 0, hdfsOutputBytes: perMap }))
    return { name, maps, reduces: 0, reduceFlopsPerByte: 0, reduceOutputRatio: 0, outputPath: `/bench/${name}/out` }
  }

  private outputFiles (dir: string): string[] {
    const files: string[] = []
    for (let i = 0; ; i++) {
      const f = [0, 1, 2, 3].map(a => `${dir}/part-m-${i}-${a}`).find(p => this.hdfs.exists(p))
      if (f === undefined) break
      files.push(f)
    }
    return files
  }

  private async runMr (job: JobSpec, mr: MrJob): Promise<JobResult> {
    const r = await this.mr.run(mr)
    return {
      job,
      durationS: r.durationS,
      counters: r.counters,
      phases: {
        firstMapStartS: r.phases.firstMapStartS,
        lastMapEndS: r.phases.lastMapEndS,
        ...(Number.isFinite(r.phases.firstReduceStartS) ? { firstReduceStartS: r.phases.firstReduceStartS } : {}),
        endS: r.phases.endS
      }
    }
  }
}

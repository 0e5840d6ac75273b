/**
 * The shape most of the paper's experiments share: for each setup, deploy
 * a Hadoop cluster on the testbed, run a list of jobs on it, and turn each
 * job's duration into a measurement.
 */
import {
  measurement, onTestbed, type ExperimentContext, type ExperimentDefinition, type HadoopOverrides, type JobSpec, type Measurement, type ParamValue,
  type Testbed
} from '@xenos/experiment-interface'

export interface GridPoint {
  /** Cluster setup id. */
  setup: string
  /** Physical slave hosts to deploy on. */
  slaveHosts: number
  /** Hadoop settings that differ from the paper's for this deployment. */
  hadoop?: HadoopOverrides
  /** Jobs to run in order on that cluster, each with the params its measurement carries. */
  jobs: Array<{ job: JobSpec, params: Record<string, ParamValue> }>
}

export async function runGrid (experiment: string, points: readonly GridPoint[], testbed: Testbed, context: ExperimentContext): Promise<Measurement[]> {
  const out: Measurement[] = []
  const total = points.reduce((s, p) => s + p.jobs.length, 0)
  let done = 0
  for (const point of points) {
    const cluster = await testbed.deployHadoop(point.setup, point.slaveHosts, point.hadoop !== undefined ? { hadoop: point.hadoop } : {})
    try {
      for (const { job, params } of point.jobs) {
        context.progress(done, total, `${experiment} ${point.setup} ${Object.values(params).join(' ')}`)
        const r = await cluster.runJob(job)
        out.push(measurement({ experiment, setup: point.setup, params }, 'durationS', onTestbed(r.durationS, 's'), {
          nodes: cluster.nodes,
          mapsLaunched: r.counters.mapsLaunched,
          mapsFailed: r.counters.mapsFailed,
          tasksReexecuted: r.counters.tasksReexecuted,
          dataLocalMaps: r.counters.dataLocalMaps,
          hdfsBytesRead: r.counters.hdfsBytesRead,
          hdfsBytesWritten: r.counters.hdfsBytesWritten,
          shuffleBytes: r.counters.shuffleBytes
        }))
        done++
      }
    } finally {
      await cluster.release()
    }
  }
  context.progress(done, total, `${experiment} done`)
  return out
}

/**
 * An experiment that is a grid: its points in run order, point i being its
 * deployment i (so a point can be run alone, as the sensitivity analysis does
 * for the points an estimate reaches).
 */
export interface GridExperiment extends ExperimentDefinition {
  readonly points: readonly GridPoint[]
}

/** The experiment that runs `points` in order (`runGrid`). */
export function gridExperiment (def: Omit<ExperimentDefinition, 'run'>, points: readonly GridPoint[]): GridExperiment {
  return { ...def, points, run: async (testbed, context) => await runGrid(def.name, points, testbed, context) }
}

/** Its grid points when `def` is a grid (`gridExperiment`); undefined otherwise. */
export function gridPoints (def: ExperimentDefinition): readonly GridPoint[] | undefined {
  return 'points' in def ? (def as GridExperiment).points : undefined
}

export const GiB = 1024 * 1024 * 1024
export const MiB = 1024 * 1024

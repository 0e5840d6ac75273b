/**
 * From Hadoop's printed counters to the backend-neutral `JobCounters`.
 *
 * Display names differ by version (checked against Hadoop's
 * `JobCounter.properties`, `TaskCounter.properties`,
 * `FileSystemCounter.properties` and 0.20/1.x transcripts):
 *
 * | JobCounters field | Hadoop 0.20 / 1.x                          | Hadoop 2/3 (and CDH4 MR1)                       |
 * |-------------------|--------------------------------------------|-------------------------------------------------|
 * | hdfsBytesRead     | `FileSystemCounters` / `HDFS_BYTES_READ`   | `File System Counters` / `HDFS: Number of bytes read` |
 * | hdfsBytesWritten  | `FileSystemCounters` / `HDFS_BYTES_WRITTEN`| `File System Counters` / `HDFS: Number of bytes written` |
 * | mapsLaunched ...  | `Job Counters` / `Launched map tasks`      | same                                            |
 * | shuffleBytes      | `Map-Reduce Framework` / `Reduce shuffle bytes` | same                                       |
 *
 * Hadoop creates a counter on its first increment, so a counter that is not
 * printed is zero (no failed maps means no `Failed map tasks` line). The one
 * exception is `Launched map tasks`: every MapReduce job launches a map, so
 * its absence means the output is not what we think, and is an error.
 */
import { emptyCounters, type JobCounters } from '../jobs.js'
import { HadoopOutputParseError } from './errors.js'
import type { CounterGroups } from './job-output.js'

const JOB = ['Job Counters']
const FS = ['FileSystemCounters', 'File System Counters']
const TASK = ['Map-Reduce Framework']

function find (groups: CounterGroups, groupNames: readonly string[], names: readonly string[]): number | undefined {
  for (const g of groupNames) {
    const group = groups.get(g)
    if (group === undefined) continue
    for (const n of names) {
      const v = group.get(n)
      if (v !== undefined) return v
    }
  }
  return undefined
}

/**
 * The job's `JobCounters`. `tasksReexecuted` is the failed task attempts of
 * a job that completed: each was run again (Hadoop does not print a
 * separate re-execution counter; killed speculative attempts are not
 * counted).
 */
export function toJobCounters (groups: CounterGroups): JobCounters {
  const c = emptyCounters()
  const launched = find(groups, JOB, ['Launched map tasks'])
  if (launched === undefined) {
    const seen = [...groups.keys()].join(', ') || 'no groups'
    throw new HadoopOutputParseError(0, '', '"Job Counters" with "Launched map tasks"', seen)
  }
  c.mapsLaunched = launched
  c.reducesLaunched = find(groups, JOB, ['Launched reduce tasks']) ?? 0
  c.mapsFailed = find(groups, JOB, ['Failed map tasks']) ?? 0
  c.reducesFailed = find(groups, JOB, ['Failed reduce tasks']) ?? 0
  c.tasksReexecuted = c.mapsFailed + c.reducesFailed
  c.dataLocalMaps = find(groups, JOB, ['Data-local map tasks']) ?? 0
  c.hdfsBytesRead = find(groups, FS, ['HDFS_BYTES_READ', 'HDFS: Number of bytes read']) ?? 0
  c.hdfsBytesWritten = find(groups, FS, ['HDFS_BYTES_WRITTEN', 'HDFS: Number of bytes written']) ?? 0
  c.shuffleBytes = find(groups, TASK, ['Reduce shuffle bytes']) ?? 0
  return c
}

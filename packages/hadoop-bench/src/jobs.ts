/**
 * The benchmark jobs are part of the experiment contract
 * (`@xenos/experiment-interface`), so experiments are written against it
 * without knowing a backend; re-exported here for the runners.
 */
export { emptyCounters, validateJob, InvalidJobError } from '@xenos/experiment-interface'
export type { JobSpec, JobKind, JobCounters, JobResult } from '@xenos/experiment-interface'

/**
 * `hdfs-outside-vms`: the experiment the paper proposes as future work,
 * compute-only VMs over an HDFS that runs natively on each host (setups
 * VM2-HDFSHOST and VM4-HDFSHOST: the DataNodes run in Domain 0), against
 * VM2 and VM4 (DataNodes in the VMs), for Wordcount and Sort of 8 GB and
 * HDFS put/get of 4 GB, on 12 slave hosts.
 */
import type { JobSpec, ParamValue } from '@xenos/experiment-interface'
import { GiB, gridExperiment, type GridExperiment } from './hadoop-grid.js'

const HOSTS = 12
const SETUPS = ['VM2', 'VM2-HDFSHOST', 'VM4', 'VM4-HDFSHOST']
const JOBS: Array<{ job: JobSpec, params: Record<string, ParamValue> }> = [
  { job: { kind: 'hdfs-put', sizeBytes: 4 * GiB }, params: { job: 'hdfs-put', dataSizeGB: 4 } },
  { job: { kind: 'hdfs-get', sizeBytes: 4 * GiB }, params: { job: 'hdfs-get', dataSizeGB: 4 } },
  { job: { kind: 'wordcount', inputBytes: 8 * GiB }, params: { job: 'wordcount', dataSizeGB: 8 } },
  { job: { kind: 'sort', inputBytes: 8 * GiB }, params: { job: 'sort', dataSizeGB: 8 } }
]

export const hdfsOutsideVms: GridExperiment = gridExperiment({
  name: 'hdfs-outside-vms',
  title: 'Future work of the paper: compute-only VMs over a native HDFS (VM2/VM4-HDFSHOST) vs VM2, VM4',
  parameters: { slaveHosts: HOSTS, setups: SETUPS.join(','), jobs: JOBS.map(j => `${String(j.params.job)}:${String(j.params.dataSizeGB)}GB`).join(',') }
}, SETUPS.map(setup => ({ setup, slaveHosts: HOSTS, jobs: JOBS })))

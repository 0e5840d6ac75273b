import { GiB, gridExperiment, type GridExperiment } from './hadoop-grid.js'

const SIZES_GB = [1, 4, 8]
const SETUPS = ['PHY', 'VM1']
const HOSTS = 12

/** Figure 4: HDFS write (put) and read (get) of 1, 4 and 8 GB on 12 datanodes, PHY against VM1. */
export const hdfsDatasize: GridExperiment = gridExperiment({
  name: 'hdfs-datasize',
  title: 'Figure 4: HDFS put/get of 1, 4, 8 GB on 12 datanodes, PHY vs VM1',
  figure: 'fig4',
  parameters: { sizesGB: SIZES_GB.join(','), slaveHosts: HOSTS, setups: SETUPS.join(',') }
}, SETUPS.map(setup => ({
  setup,
  slaveHosts: HOSTS,
  jobs: SIZES_GB.flatMap(gb => [
    { job: { kind: 'hdfs-put' as const, sizeBytes: gb * GiB }, params: { dataSizeGB: gb, op: 'write' } },
    { job: { kind: 'hdfs-get' as const, sizeBytes: gb * GiB }, params: { dataSizeGB: gb, op: 'read' } }
  ])
})))

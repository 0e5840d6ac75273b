import { MiB, gridExperiment, type GridExperiment } from './hadoop-grid.js'

const DATANODES = [4, 8, 12]
const SETUPS: Array<[string, number]> = [['PHY', 1], ['VM1', 1], ['VM2', 2], ['VM4', 4]]
const PER_DATANODE_MB = 256

/**
 * Figure 5: 256 MB per datanode written and read with 4, 8 and 12 datanodes,
 * PHY, VM1, VM2, VM4 (a VMn datanode count of d spans d/n hosts).
 */
export const hdfsDatanodes: GridExperiment = gridExperiment({
  name: 'hdfs-datanodes',
  title: 'Figure 5: HDFS put/get of 256 MB per datanode, 4/8/12 datanodes, PHY vs VM1/2/4',
  figure: 'fig5',
  // slaveHosts: the most any point spans (PHY and VM1 at 12 datanodes)
  parameters: { datanodes: DATANODES.join(','), perDatanodeMB: PER_DATANODE_MB, slaveHosts: Math.max(...DATANODES), setups: SETUPS.map(s => s[0]).join(',') }
}, SETUPS.flatMap(([setup, perHost]) => DATANODES.map(d => ({
  setup,
  slaveHosts: Math.ceil(d / perHost),
  jobs: [
    { job: { kind: 'hdfs-put' as const, sizeBytes: d * PER_DATANODE_MB * MiB }, params: { datanodes: d, op: 'write' } },
    { job: { kind: 'hdfs-get' as const, sizeBytes: d * PER_DATANODE_MB * MiB }, params: { datanodes: d, op: 'read' } }
  ]
}))))

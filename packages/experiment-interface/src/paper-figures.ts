/**
 * The paper's Figures 4 to 8 as figure specs: the agreement between the
 * experiments (which must emit runs with these experiment names, setups,
 * params and metric) and the reporter (which draws them).
 *
 * Params every experiment must set on its runs:
 * - `hdfs-datasize`: `dataSizeGB` (1, 4, 8) and `op` (`write` | `read`);
 * - `hdfs-datanodes`: `datanodes` (4, 8, 12) and `op`;
 * - `wordcount`, `sort`: `dataSizeGB` (1, 8);
 * - `pi`: `maps` (120) and `samplesPerMap` (10000);
 * - `slots` (the study the paper proposes): `mapSlots` (1 to 4) and `reduceSlots` (1, 2).
 * The metric is `durationS` (unit `s`), the job's or transfer's wall time.
 */
import type { FigureSpec } from './figures.js'

const HADOOP_SETUPS = ['PHY', 'VM1', 'VM2', 'VM4']

export const PAPER_FIGURES: readonly FigureSpec[] = [
  {
    id: 'fig4',
    title: 'Figure 4. HDFS on PHY-Cluster vs VM1-Cluster with varying data sizes (12 datanodes)',
    experiment: 'hdfs-datasize',
    x: { param: 'dataSizeGB', label: 'Data size (GB)', values: [1, 4, 8] },
    series: { by: 'setup', order: ['PHY', 'VM1'] },
    panels: { param: 'op', values: ['write', 'read'] },
    metric: 'durationS',
    yLabel: 'Time (s)',
    lowerIsBetter: true
  },
  {
    id: 'fig5',
    title: 'Figure 5. HDFS with varying datanodes (256 MB each) and VMs per host',
    experiment: 'hdfs-datanodes',
    x: { param: 'datanodes', label: 'Datanodes', values: [4, 8, 12] },
    series: { by: 'setup', order: HADOOP_SETUPS },
    panels: { param: 'op', values: ['write', 'read'] },
    metric: 'durationS',
    yLabel: 'Time (s)',
    lowerIsBetter: true
  },
  {
    id: 'fig6',
    title: 'Figure 6. Wordcount on PHY-Cluster and VM clusters',
    experiment: 'wordcount',
    x: { param: 'dataSizeGB', label: 'Input size (GB)', values: [1, 8] },
    series: { by: 'setup', order: HADOOP_SETUPS },
    metric: 'durationS',
    yLabel: 'Time (s)',
    lowerIsBetter: true
  },
  {
    id: 'fig7',
    title: 'Figure 7. Sort on PHY-Cluster and VM clusters',
    experiment: 'sort',
    x: { param: 'dataSizeGB', label: 'Input size (GB)', values: [1, 8] },
    series: { by: 'setup', order: HADOOP_SETUPS },
    metric: 'durationS',
    yLabel: 'Time (s)',
    lowerIsBetter: true
  },
  {
    id: 'fig8',
    title: 'Figure 8. PiEstimator (120 maps x 10,000 samples) on PHY-Cluster and VM clusters',
    experiment: 'pi',
    x: { param: 'maps', label: 'Map tasks', values: [120] },
    series: { by: 'setup', order: [...HADOOP_SETUPS, 'VM1-2VCPU', 'PHY-1CORE'] },
    metric: 'durationS',
    yLabel: 'Time (s)',
    lowerIsBetter: true
  },
  {
    id: 'slots',
    title: 'The paper\'s proposed study: PiEstimator with map and reduce slots per TaskTracker (Section V.C)',
    experiment: 'slots',
    x: { param: 'mapSlots', label: 'Map slots per TaskTracker', values: [1, 2, 3, 4] },
    series: { by: 'setup', order: ['VM1', 'VM1-2VCPU', 'VM2', 'VM4'] },
    panels: { param: 'reduceSlots', values: [1, 2] },
    metric: 'durationS',
    yLabel: 'Time (s)',
    lowerIsBetter: true
  }
]

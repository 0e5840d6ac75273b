import { GiB, gridExperiment, type GridExperiment } from './hadoop-grid.js'

const HOSTS = 12
const HADOOP_SETUPS = ['PHY', 'VM1', 'VM2', 'VM4']
const SIZES_GB = [1, 8]

/** A MapReduce job of 1 GB and 8 GB on PHY, VM1, VM2, VM4 (12 hosts), as Figures 6 and 7. */
function sizedJobFigure (kind: 'wordcount' | 'sort', figure: string, title: string): GridExperiment {
  return gridExperiment({
    name: kind,
    title,
    figure,
    parameters: { sizesGB: SIZES_GB.join(','), slaveHosts: HOSTS, setups: HADOOP_SETUPS.join(',') }
  }, HADOOP_SETUPS.map(setup => ({
    setup,
    slaveHosts: HOSTS,
    jobs: SIZES_GB.map(gb => ({ job: { kind, inputBytes: gb * GiB }, params: { dataSizeGB: gb } }))
  })))
}

/** Figure 6: Wordcount of 1 GB and 8 GB on PHY, VM1, VM2, VM4. */
export const wordcount = sizedJobFigure('wordcount', 'fig6', 'Figure 6: Wordcount of 1 and 8 GB on PHY, VM1, VM2, VM4 (12 hosts)')

/** Figure 7: RandomWriter then Sort of 1 GB and 8 GB on PHY, VM1, VM2, VM4 (Sort is timed). */
export const sort = sizedJobFigure('sort', 'fig7', 'Figure 7: RandomWriter + Sort of 1 and 8 GB on PHY, VM1, VM2, VM4 (12 hosts)')

const PI_SETUPS = [...HADOOP_SETUPS, 'VM1-2VCPU', 'PHY-1CORE']
const PI = { maps: 120, samplesPerMap: 10000 }

/** Figure 8: PiEstimator, 120 maps of 10,000 samples, plus VM1 with 2 VCPUs and PHY on one core. */
export const pi: GridExperiment = gridExperiment({
  name: 'pi',
  title: 'Figure 8: PiEstimator 120 x 10,000 on PHY, VM1, VM2, VM4, VM1-2VCPU, PHY-1CORE',
  figure: 'fig8',
  parameters: { ...PI, slaveHosts: HOSTS, setups: PI_SETUPS.join(',') }
}, PI_SETUPS.map(setup => ({
  setup,
  slaveHosts: HOSTS,
  jobs: [{ job: { kind: 'pi' as const, ...PI }, params: { ...PI } }]
})))

/**
 * `slots`: the study the paper proposes for its VM1-2VCPU observation
 * (Section V.C: "varying parameters such as the number of map-tasks and
 * reduce-tasks allowed per node, to identify the reasons"): PiEstimator (120
 * maps of 10,000 samples, as in Figure 8) on VM1, VM1-2VCPU, VM2 and VM4 with
 * 1 to 4 map slots and 1 or 2 reduce slots per TaskTracker, on 12 slave
 * hosts. Each point is a fresh deployment with those slots in its
 * configuration (`mapred.tasktracker.map.tasks.maximum`,
 * `mapred.tasktracker.reduce.tasks.maximum`); everything else is the paper's.
 */
import { gridExperiment, type GridExperiment } from './hadoop-grid.js'

const HOSTS = 12
const SETUPS = ['VM1', 'VM1-2VCPU', 'VM2', 'VM4']
const MAP_SLOTS = [1, 2, 3, 4]
const REDUCE_SLOTS = [1, 2]
const PI = { maps: 120, samplesPerMap: 10000 }

export const slots: GridExperiment = gridExperiment({
  name: 'slots',
  title: 'The paper\'s proposed study: PiEstimator 120 x 10,000 with 1 to 4 map and 1 or 2 reduce slots per TaskTracker on VM1, VM1-2VCPU, VM2, VM4',
  figure: 'slots',
  parameters: { ...PI, slaveHosts: HOSTS, setups: SETUPS.join(','), mapSlots: MAP_SLOTS.join(','), reduceSlots: REDUCE_SLOTS.join(',') }
}, SETUPS.flatMap(setup => REDUCE_SLOTS.flatMap(reduceSlots => MAP_SLOTS.map(mapSlots => ({
  setup,
  slaveHosts: HOSTS,
  hadoop: { mapSlotsPerNode: mapSlots, reduceSlotsPerNode: reduceSlots },
  jobs: [{ job: { kind: 'pi' as const, ...PI }, params: { mapSlots, reduceSlots } }]
})))))

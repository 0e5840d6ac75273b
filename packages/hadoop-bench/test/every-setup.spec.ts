import { describe, it, expect } from 'vitest'
import { Engine, loadPlatform, nativePlatform, restrictCores, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { createLayout, simHadoopCluster } from '../src/sim/sim-cluster-layout.js'
import { loadCosts } from '../src/sim/job-costs.js'
import { SETUPS, PAPER_HADOOP, type SetupId } from '../src/setups.js'
import type { JobSpec } from '../src/jobs.js'

const MiB = 1024 * 1024

/** Every job of the paper, small. */
const JOBS: JobSpec[] = [
  { kind: 'hdfs-put', sizeBytes: 128 * MiB },
  { kind: 'hdfs-get', sizeBytes: 128 * MiB },
  { kind: 'wordcount', inputBytes: 128 * MiB },
  { kind: 'randomwriter', sizeBytes: 128 * MiB },
  { kind: 'sort', inputBytes: 128 * MiB },
  { kind: 'pi', maps: 24, samplesPerMap: 1000 }
]

describe('every job runs on every cluster setup of the paper (small inputs, the paper\'s 13-host platform)', async () => {
  const base = await loadPlatform(PAPER_PLATFORM_FILE)
  const costs = await loadCosts()
  for (const id of Object.keys(SETUPS) as SetupId[]) {
    it(id, async () => {
      const setup = SETUPS[id]
      let platform = setup.virtualized ? base : nativePlatform(base)
      if (setup.nativeCores !== undefined) platform = restrictCores(platform, setup.nativeCores)
      const engine = new Engine({ seed: 1, platform })
      const [master, ...slaves] = engine.hosts().map(h => h.name)
      const { hadoop } = simHadoopCluster({ engine, setup, layout: createLayout(engine, setup, master!, slaves), settings: PAPER_HADOOP, costs })
      for (const job of JOBS) {
        const pending = hadoop.run(job)
        await engine.run()
        const r = await pending
        expect(r.durationS, `${id} ${job.kind}`).toBeGreaterThan(0)
        if (job.kind === 'wordcount' || job.kind === 'sort') {
          expect(r.counters.mapsLaunched).toBeGreaterThanOrEqual(2)
          expect(r.counters.reducesLaunched).toBeGreaterThanOrEqual(1)
          expect(r.counters.mapsFailed).toBe(0)
        }
        if (job.kind === 'pi') expect(r.counters.mapsLaunched).toBe(24)
        if (job.kind === 'hdfs-put') expect(r.counters.hdfsBytesWritten).toBe(2 * 128 * MiB)
      }
    })
  }
})

/**
 * A generator of sample result sets for the reporter's tests: the shape of
 * the paper's experiments (setups, params, repetitions, seeds) with made-up
 * durations from simple formulas and seeded noise. Not a model and not a
 * copied run; only something to draw.
 */
import type { ResultSet, RunRecord } from '@xenos/experiment-interface'

/** mulberry32: a tiny seeded PRNG, enough for test noise. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SampleOptions {
  seed?: number
  repetitions?: number
  /** Relative noise amplitude, e.g. 0.04 for +-4%. */
  noise?: number
  /** Multiplies every VM duration (to make "different data" for image tests). */
  vmFactor?: number
}

const VM_COUNT: Record<string, number> = { PHY: 0, VM1: 1, VM2: 2, VM4: 4 }

export function sampleResultSet (options: SampleOptions = {}): ResultSet {
  const seed = options.seed ?? 1
  const repetitions = options.repetitions ?? 3
  const noise = options.noise ?? 0.04
  const vmFactor = options.vmFactor ?? 1
  const random = prng(seed)
  const runs: RunRecord[] = []
  const add = (experiment: string, setup: string, params: RunRecord['params'], baseS: number): void => {
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const factor = setup.startsWith('VM') ? vmFactor : 1
      const value = Math.round(baseS * factor * (1 + noise * (2 * random() - 1)) * 100) / 100
      runs.push({ experiment, setup, params, metric: 'durationS', unit: 's', value, seed: seed * 1000 + repetition, repetition })
    }
  }
  for (const op of ['write', 'read']) {
    const perGB = op === 'write' ? 30 : 18
    for (const dataSizeGB of [1, 4, 8]) {
      add('hdfs-datasize', 'PHY', { dataSizeGB, op }, 8 + perGB * dataSizeGB)
      add('hdfs-datasize', 'VM1', { dataSizeGB, op }, (8 + perGB * dataSizeGB) * (1 + 0.04 * dataSizeGB))
    }
    for (const datanodes of [4, 8, 12]) {
      for (const setup of ['PHY', 'VM1', 'VM2', 'VM4']) {
        const vms = VM_COUNT[setup] ?? 0
        const gap = op === 'write' ? 0.03 * datanodes * (1 + vms / 4) : 0.15 + 0.02 * vms
        add('hdfs-datanodes', setup, { datanodes, op, perNodeMB: 256 }, (10 + perGB * datanodes / 4) * (vms === 0 ? 1 : 1 + gap))
      }
    }
  }
  for (const dataSizeGB of [1, 8]) {
    add('wordcount', 'PHY', { dataSizeGB }, 60 + 70 * dataSizeGB)
    add('wordcount', 'VM1', { dataSizeGB }, 90 + 120 * dataSizeGB)
    add('wordcount', 'VM2', { dataSizeGB }, 80 + 95 * dataSizeGB)
    add('wordcount', 'VM4', { dataSizeGB }, 85 + 100 * dataSizeGB)
    add('sort', 'PHY', { dataSizeGB }, 70 + 60 * dataSizeGB)
    add('sort', 'VM1', { dataSizeGB }, 90 + 90 * dataSizeGB)
    add('sort', 'VM2', { dataSizeGB }, 110 + 140 * dataSizeGB)
    add('sort', 'VM4', { dataSizeGB }, 130 + 190 * dataSizeGB)
  }
  const pi: Record<string, number> = { 'PHY': 60, 'VM1': 140, 'VM2': 80, 'VM4': 75, 'VM1-2VCPU': 105, 'PHY-1CORE': 62 }
  for (const [setup, s] of Object.entries(pi)) add('pi', setup, { maps: 120, samplesPerMap: 10000 }, s)
  add('deploy', 'paper-method', { hosts: 12 }, 2700)
  add('deploy', 'xenos-replication', { hosts: 12 }, 190)
  return {
    schemaVersion: 1,
    software: { name: '@xenos/cli', version: '0.1.0', gitCommit: '0123456789abcdef' },
    backend: 'sim',
    platform: { name: 'sample, "test" platform', file: 'platforms/sample.yaml', sha256: 'ab'.repeat(32) },
    startedAt: '2026-11-25T09:00:00.000Z',
    runs
  }
}

/**
 * Worker processes for the sensitivity analysis' runs: each job (one
 * experiment on one pair of input files) goes to the next idle worker
 * (`point-worker.ts`), so on a machine with n cores n runs proceed at once.
 * A job's records do not depend on which worker ran it or when: each runs
 * on a testbed of its own, made from its seed.
 *
 * @example
 * ```ts
 * const pool = workerPool({ workers: 2 })
 * try {
 *   const { runs } = await pool.run({ experiment: 'pi', platformFile, costsFile, seed: 1, repetitions: 1 })
 * } finally {
 *   await pool.close()
 * }
 * ```
 */
import { fork, type ChildProcess } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PointRunError, SensitivityError } from './errors.js'
import type { PointJob, PointResult, PointRunner } from './point-runs.js'

export interface WorkerPoolInit {
  /** Worker processes (at least 1). */
  workers: number
  /** The worker's module. @default `point-worker` beside this module, built or source as this one is */
  module?: string
  /**
   * Node options of the workers (e.g. to run TypeScript sources).
   * @default this process', with a young generation of 64 MiB
   */
  execArgv?: string[]
}

export interface WorkerPool {
  run: PointRunner
  /** CPU time the worker processes have used so far, s, start-up and messages included (as each last reported it). */
  cpuS(): number
  /** Stops every worker; jobs still queued fail. */
  close(): Promise<void>
}

type Reply = { id: number, result: PointResult, processCpuS: number } | { id: number, error: { name: string, message: string, stack: string } }

interface Pending { id: number, job: PointJob, resolve: (result: PointResult) => void, reject: (err: Error) => void }

const describeJob = (job: PointJob): string => `${job.experiment}${job.gridPoint !== undefined ? ` (grid point ${job.gridPoint})` : ''}`
  + ` on seed ${job.seed} (platform ${job.platformFile}, costs ${job.costsFile})`

export function workerPool (init: WorkerPoolInit): WorkerPool {
  if (!Number.isInteger(init.workers) || init.workers < 1) throw new SensitivityError(`workers: expected an integer >= 1, found ${init.workers}`)
  const module = init.module ?? fileURLToPath(new URL(`./point-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url))
  // A larger young generation than V8's default: the engine's many short-lived objects are
  // collected less often (about a tenth less CPU per Sort run on the paper platform). Speed only.
  const execArgv = init.execArgv ?? [...process.execArgv, '--max-semi-space-size=64']
  const queue: Pending[] = []
  const busy = new Map<ChildProcess, Pending | undefined>()
  let nextId = 0
  let closed = false
  /** Each worker's CPU time, s, as it last reported it. */
  const cpuOf = new Map<ChildProcess, number>()

  const start = (): void => {
    const child = fork(module, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    busy.set(child, undefined)
    child.on('message', (reply: Reply) => {
      const p = busy.get(child)
      if (p === undefined || p.id !== reply.id) return
      busy.set(child, undefined)
      if ('result' in reply) {
        cpuOf.set(child, reply.processCpuS)
        p.resolve(reply.result)
      } else {
        p.reject(new PointRunError(`run of ${describeJob(p.job)} failed in a worker process: ${reply.error.name}: ${reply.error.message}`))
      }
      dispatch()
    })
    const gone = (how: string): void => {
      if (!busy.has(child)) return
      const p = busy.get(child)
      busy.delete(child)
      p?.reject(new PointRunError(`run of ${describeJob(p.job)}: expected its worker process to answer, found it ${how}`))
      dispatch()
    }
    child.on('exit', (code, signal) => { gone(`exited (${signal ?? `code ${code}`})`) })
    child.on('error', (err) => { gone(`failed (${err.message})`) })
  }

  /** Starts the workers the queue needs (up to `workers`) and gives each idle one the next job. */
  const dispatch = (): void => {
    if (closed) return
    let idle = [...busy.values()].filter(p => p === undefined).length
    while (busy.size < init.workers && queue.length > idle) {
      start()
      idle++
    }
    for (const [child, current] of busy) {
      if (current !== undefined || queue.length === 0) continue
      const p = queue.shift()!
      busy.set(child, p)
      child.send({ id: p.id, job: p.job })
    }
  }

  return {
    run: async (job) => {
      if (closed) throw new SensitivityError(`run of ${describeJob(job)}: expected an open worker pool, found it closed`)
      return await new Promise<PointResult>((resolve, reject) => {
        queue.push({ id: nextId++, job, resolve, reject })
        dispatch()
      })
    },
    cpuS: () => [...cpuOf.values()].reduce((s, x) => s + x, 0),
    close: async () => {
      closed = true
      for (const p of queue.splice(0)) p.reject(new SensitivityError(`run of ${describeJob(p.job)}: the worker pool closed before it started`))
      await Promise.all([...busy.keys()].map(async child => await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) { resolve(); return }
        child.once('exit', () => { resolve() })
        child.disconnect()
      })))
    }
  }
}

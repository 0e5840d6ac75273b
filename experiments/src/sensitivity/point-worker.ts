/**
 * A worker process of the sensitivity analysis (`worker-pool.ts` forks it):
 * it answers each `{ id, job }` message with `{ id, result, processCpuS }` (the job's
 * records, made by `runPointHere`, and the CPU time this process has used so far, start-up included) or `{ id, error }`, one job at a time,
 * and exits when its parent disconnects.
 */
import { runPointHere, type PointJob } from './point-runs.js'

interface Request { id: number, job: PointJob }

const send = process.send?.bind(process)
if (send === undefined) throw new Error('point-worker: expected to be started by the sensitivity analysis\' worker pool (an IPC channel), found none')

const processCpuS = (): number => {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1e6
}

let queue = Promise.resolve()
process.on('message', (message: Request) => {
  queue = queue.then(async () => {
    try {
      const result = await runPointHere(message.job)
      send({ id: message.id, result, processCpuS: processCpuS() })
    } catch (err) {
      const e = err as Error
      send({ id: message.id, error: { name: e.name, message: e.message, stack: e.stack ?? '' } })
    }
  })
})
process.on('disconnect', () => { process.exit(0) })

import { describe, expect, it } from 'vitest'
import { isProtected, restartPolicy } from './policy.js'

describe('restart policy', () => {
  it('fills defaults, trims the placement and keeps what is given', () => {
    expect(restartPolicy({ mode: 'resume' })).toEqual({ mode: 'resume', placement: '', checkpointIntervalS: 60, replicas: 2 })
    expect(restartPolicy({ mode: 'restart', placement: ' tag=ssd ', checkpointIntervalS: 5, replicas: 3 }))
      .toEqual({ mode: 'restart', placement: 'tag=ssd', checkpointIntervalS: 5, replicas: 3 })
    expect(isProtected(restartPolicy({}))).toBe(false)
    expect(isProtected(restartPolicy({ mode: 'restart' }))).toBe(true)
    expect(isProtected(undefined)).toBe(false)
  })

  it('names the bad field, what it expected and what it found', () => {
    expect(() => restartPolicy({ mode: 'sometimes' })).toThrow('restart.mode: expected "never", "restart" or "resume", found "sometimes"')
    expect(() => restartPolicy({ replicas: 0 }, 'policy')).toThrow('policy.replicas: expected an integer from 1 to 16, found 0')
    expect(() => restartPolicy({ replicas: 1.5 })).toThrow(/restart\.replicas/)
    expect(() => restartPolicy({ checkpointIntervalS: 0.5 }))
      .toThrow('restart.checkpointIntervalS: expected a number of seconds from 1 to 86400, found 0.5')
    const badQuery = /restart\.placement: expected a host search query, found "freeMemoryMiB>> \(query position/
    expect(() => restartPolicy({ placement: 'freeMemoryMiB>>' })).toThrow(badQuery)
    expect(() => restartPolicy({ k: 2 })).toThrow('restart.k: expected no such field (mode, placement, checkpointIntervalS, replicas), found "k"')
    expect(() => restartPolicy('resume')).toThrow(/restart: expected a restart policy/)
  })
})

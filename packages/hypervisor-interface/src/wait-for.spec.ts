import { describe, expect, it } from 'vitest'
import { manualClock } from './clock.js'
import { HypervisorError } from './errors.js'
import { waitFor, WaitTimeoutError } from './wait-for.js'

describe('waitFor', () => {
  it('resolves once the condition holds, checking again after each interval of its clock', async () => {
    const clock = manualClock()
    let checks = 0
    await waitFor(() => ++checks === 4, { clock, intervalS: 0.5, what: 'the fourth check' })
    expect(checks).toBe(4)
    expect(clock.nowS()).toBe(1.5)
  })

  it('throws WaitTimeoutError naming what it waited for once the deadline passes', async () => {
    const clock = manualClock()
    const err = await waitFor(async () => false, { clock, timeoutS: 2, intervalS: 0.5, what: 'a host to answer' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WaitTimeoutError)
    expect(err).toBeInstanceOf(HypervisorError)
    expect(err).toMatchObject({ name: 'WaitTimeoutError', code: 'ERR_WAIT_TIMEOUT', what: 'a host to answer', timeoutS: 2 })
    expect((err as Error).message).toBe('expected a host to answer within 2 s, found it still not true')
    expect(clock.nowS()).toBe(2)
  })

  it('passes on an error of the check, and refuses a zero interval', async () => {
    await expect(waitFor(() => { throw new Error('host gone') }, { clock: manualClock(), what: 'x' })).rejects.toThrow('host gone')
    await expect(waitFor(() => true, { intervalS: 0, what: 'x' })).rejects.toThrow(RangeError)
  })

  it('waits on the wall clock by default', async () => {
    const until = performance.now() + 30
    await waitFor(() => performance.now() >= until, { what: '30 ms to pass' })
    expect(performance.now()).toBeGreaterThanOrEqual(until)
  })
})

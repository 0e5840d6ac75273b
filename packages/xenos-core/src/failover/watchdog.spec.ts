import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../test/support/manual-clock.js'
import { armWatchdog, checkWatchdogTimeout, type WatchdogDevice } from './watchdog.js'

/** A device that records what was written, and can be made to fail. */
function recorder (): WatchdogDevice & { written: string[], closed: boolean, failing: boolean } {
  const d = {
    written: [] as string[],
    closed: false,
    failing: false,
    async write (data: string) {
      if (d.failing) throw new Error('EIO')
      d.written.push(data)
    },
    async close () { d.closed = true }
  }
  return d
}

describe('watchdog', () => {
  it('is written to once armed and every interval after, and disarmed by the magic close', async () => {
    const clock = new ManualClock()
    const dev = recorder()
    const dog = await armWatchdog({ device: '/dev/watchdog', timeoutS: 4 }, {
      clock, takeoverDelayMs: 10_000, open: async () => dev, deviceTimeoutS: async () => 4
    })
    expect(dev.written).toEqual(['\n'])
    await clock.advance(3000) // every timeoutS / 4
    expect(dog.pets).toBe(4)
    await dog.disarm()
    await dog.disarm()
    expect(dev.written.at(-1)).toBe('V')
    expect(dev.closed).toBe(true)
    await clock.advance(5000)
    expect(dev.written.filter(w => w === '\n')).toHaveLength(4)
  })

  it('a write that fails is reported and the next ones are still made', async () => {
    const clock = new ManualClock()
    const dev = recorder()
    const errors: unknown[] = []
    const dog = await armWatchdog({ device: '/dev/watchdog', timeoutS: 4, petIntervalMs: 500 }, {
      clock, takeoverDelayMs: 10_000, open: async () => dev, deviceTimeoutS: async () => undefined, onError: (e) => { errors.push(e) }
    })
    dev.failing = true
    await clock.advance(1000)
    expect(errors).toHaveLength(2)
    dev.failing = false
    await clock.advance(500)
    expect(dog.pets).toBe(2)
    await dog.disarm()
  })

  it('refuses a timeout that does not reset the machine before a survivor acts, and a device whose own timeout is longer', async () => {
    expect(() => { checkWatchdogTimeout(10, 10_000) }).toThrow(/watchdog.timeoutS: expected a timeout below the takeover delay \(10000 ms\)/)
    expect(() => { checkWatchdogTimeout(0.5, 10_000) }).toThrow(/expected a number of seconds >= 1/)
    checkWatchdogTimeout(9, 10_000)
    const clock = new ManualClock()
    const dev = recorder()
    const components = { clock, takeoverDelayMs: 10_000, open: async () => dev, deviceTimeoutS: async () => 60 }
    await expect(armWatchdog({ device: '/dev/watchdog', timeoutS: 5 }, components))
      .rejects.toMatchObject({ name: 'WatchdogError', message: /expected it to reset the machine within 5 s as configured, found a timeout of 60 s/ })
    // nothing was armed
    expect(dev.written).toEqual([])
    await expect(armWatchdog({ device: '/nonexistent/watchdog', timeoutS: 5 }, { clock, takeoverDelayMs: 10_000, deviceTimeoutS: async () => undefined }))
      .rejects.toMatchObject({ name: 'WatchdogError', message: /expected a watchdog device to open for writing/ })
  })

  it('writes to a device file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-watchdog-'))
    try {
      const device = join(dir, 'watchdog')
      await writeFile(device, '')
      const clock = new ManualClock()
      const dog = await armWatchdog({ device, timeoutS: 2 }, { clock, takeoverDelayMs: 10_000 })
      await clock.advance(1000)
      await dog.disarm()
      // armed with one write, then one per interval as far as the file took them, then the magic close
      expect(dog.pets).toBeGreaterThanOrEqual(1)
      expect(await readFile(device, 'utf8')).toBe(`${'\n'.repeat(dog.pets)}V`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

/**
 * The host's watchdog, kept from firing by the coordinator: what fences the
 * guests of a coordinator that dies while its machine runs on, as Proxmox's
 * HA manager does with its watchdog.
 *
 * Linux's watchdog API (`/dev/watchdog`, a hardware timer or the `softdog`
 * module): opening the device arms it, every write restarts its countdown,
 * and writing `V` just before closing disarms it (the magic close). The
 * coordinator opens it once it runs and writes to it every
 * `petIntervalMs`; a graceful stop disarms it. A coordinator that is killed,
 * crashes or hangs stops writing, and after `timeoutS` the machine resets:
 * its guests die with it, and the others take its services over as after a
 * crash, with no second copy, provided the reset comes before a guardian
 * acts. The others act once they have declared the host failed (a refused
 * connection is evidence at once) and waited `takeoverDelayMs`, so
 * `timeoutS` must be below the takeover delay. A coordinator started again
 * (a supervisor restarting it) within `timeoutS` opens the device again and
 * the machine carries on.
 *
 * The timeout is the device's own (`softdog`'s `soft_margin`, a hardware
 * timer's setting): this module cannot set it, so it reads it where Linux
 * shows it (`/sys/class/watchdog/<device>/timeout`) and refuses a device
 * whose timeout is longer than the one configured.
 */
import { open, readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { InvalidArgumentError, XenosError } from '../errors.js'

export interface WatchdogInit {
  /** The watchdog device. */
  device: string
  /** Seconds after the last write when the device resets the machine (its own setting, checked where Linux shows it). */
  timeoutS: number
  /** Time between two writes, in ms. @default a quarter of `timeoutS` */
  petIntervalMs?: number
}

/** What the watchdog writes to. */
export interface WatchdogDevice {
  write (data: string): Promise<unknown>
  close (): Promise<void>
}

export interface WatchdogComponents {
  /** Timers; the wall clock's in a coordinator. */
  clock: { setTimeout: (fn: () => void, ms: number) => unknown, clearTimeout: (handle: unknown) => void }
  /** The takeover delay of the host's failover agent, in ms: the reset must come first. */
  takeoverDelayMs: number
  /** @default opens the device file for writing */
  open?: (device: string) => Promise<WatchdogDevice>
  /** The device's timeout in seconds as the system shows it, undefined when it does not. @default read from sysfs */
  deviceTimeoutS?: (device: string) => Promise<number | undefined>
  /** A write that failed (the device may reset the machine unless a later one succeeds). */
  onError?: (err: unknown) => void
}

/** The watchdog could not be armed as configured. */
export class WatchdogError extends XenosError {}

export interface Watchdog {
  readonly device: string
  /** Writes so far (the one that armed it included). */
  readonly pets: number
  /** Stop writing and disarm the device (the magic close). Idempotent. */
  disarm (): Promise<void>
}

/** Throws `InvalidArgumentError` unless `timeoutS` resets the machine before a guardian can act (`takeoverDelayMs`). */
export function checkWatchdogTimeout (timeoutS: number, takeoverDelayMs: number, field = 'watchdog.timeoutS'): void {
  if (!Number.isFinite(timeoutS) || timeoutS < 1) throw new InvalidArgumentError(field, 'a number of seconds >= 1', timeoutS)
  if (timeoutS * 1000 >= takeoverDelayMs) {
    throw new InvalidArgumentError(field, `a timeout below the takeover delay (${takeoverDelayMs} ms), so the machine resets before a survivor starts a copy`,
      timeoutS)
  }
}

/** The device's timeout as Linux shows it under /sys/class/watchdog (`/dev/watchdog` is the first device, watchdog0). */
async function sysfsTimeoutS (device: string): Promise<number | undefined> {
  const name = basename(device) === 'watchdog' ? 'watchdog0' : basename(device)
  try {
    const n = Number((await readFile(`/sys/class/watchdog/${name}/timeout`, 'utf8')).trim())
    return Number.isFinite(n) && n > 0 ? n : undefined
  } catch {
    return undefined // not a device sysfs describes (a test's file, a system without sysfs): nothing to check it against
  }
}

/**
 * Arm the watchdog and keep it from firing until `disarm()`. Throws
 * `InvalidArgumentError` for a timeout that is not below the takeover delay
 * and `WatchdogError` for a device that cannot be opened or whose own
 * timeout is longer than `timeoutS`.
 */
export async function armWatchdog (init: WatchdogInit, components: WatchdogComponents): Promise<Watchdog> {
  checkWatchdogTimeout(init.timeoutS, components.takeoverDelayMs)
  const intervalMs = init.petIntervalMs ?? Math.floor(init.timeoutS * 1000 / 4)
  if (!(intervalMs > 0 && intervalMs < init.timeoutS * 1000)) {
    throw new InvalidArgumentError('watchdog.petIntervalMs', `a number of ms > 0 and below the timeout (${init.timeoutS * 1000} ms)`, init.petIntervalMs)
  }
  const actual = await (components.deviceTimeoutS ?? sysfsTimeoutS)(init.device)
  if (actual !== undefined && actual > init.timeoutS) {
    throw new WatchdogError(`watchdog ${init.device}: expected it to reset the machine within ${init.timeoutS} s as configured, found a timeout of ${actual} s `
      + '(set the device\'s own timeout, e.g. softdog\'s soft_margin, or configure the longer one if it is below the takeover delay)')
  }
  let device: WatchdogDevice
  try {
    device = await (components.open ?? (async (path: string) => await open(path, 'w')))(init.device)
  } catch (err) {
    throw new WatchdogError(`watchdog ${init.device}: expected a watchdog device to open for writing, found ${(err as Error).message}`, { cause: err })
  }
  let pets = 0
  let timer: unknown
  let armed = true
  let writing: Promise<void> = Promise.resolve()
  const pet = (): void => {
    writing = writing.then(async () => {
      if (!armed) return
      await device.write('\n')
      pets++
    }).catch((err: unknown) => { components.onError?.(err) })
  }
  const schedule = (): void => {
    timer = components.clock.setTimeout(() => {
      if (!armed) return
      pet()
      schedule()
    }, intervalMs)
  }
  pet()
  await writing
  schedule()
  return {
    device: init.device,
    get pets () { return pets },
    async disarm () {
      if (!armed) return
      armed = false
      components.clock.clearTimeout(timer)
      await writing
      try {
        await device.write('V')
      } finally {
        await device.close()
      }
    }
  }
}

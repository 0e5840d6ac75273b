// Host state of the xl test double: one directory per simulated Xen host,
// a JSON file guarded by a lock directory, and the fault-injection table.
import { mkdirSync, rmSync, readFileSync, writeFileSync, renameSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const MiB = 1024 * 1024

/** Root directory of all double hosts (XL_DOUBLE_ROOT) and this process's host (XL_DOUBLE_HOST). */
export function hostDir () {
  const root = process.env.XL_DOUBLE_ROOT
  const host = process.env.XL_DOUBLE_HOST ?? 'host0'
  if (root === undefined || root === '') return undefined
  if (!/^[A-Za-z0-9._-]+$/.test(host)) return undefined
  const dir = join(root, host)
  return existsSync(join(dir, 'host.json')) ? dir : undefined
}

/** Sleeps synchronously (the double is a short-lived CLI). */
export function sleepMs (ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Takes the lock directory `lock`, as real xl takes its flock on /var/lock/xl.
 * The kernel drops a flock when its holder dies; a lock directory outlives a
 * killed holder (a driver timing out `xl shutdown -w` kills it mid-poll), so
 * the holder writes its pid in the directory and a waiter breaks the lock of a
 * holder that no longer exists.
 */
export function acquireLock (lock) {
  // while it waits for a live holder, a waiter leaves `LOCK.waiting.PID`, so a
  // test can tell that it has found the lock held and left it alone
  const waiting = `${lock}.waiting.${process.pid}`
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      if (i > 0) rmSync(waiting, { force: true })
      return
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
      if (breakStaleLock(lock)) continue
      if (i === 0) writeFileSync(waiting, '')
      if (i > 2000) { rmSync(waiting, { force: true }); process.stderr.write(`cannot acquire lock ${lock} errno=11\n`); process.exit(1) }
      sleepMs(5)
    }
  }
}

export function releaseLock (lock) {
  rmSync(lock, { recursive: true, force: true })
}

/** The pid recorded in a lock directory; undefined when none is (yet) written. */
function lockHolder (lock) {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'))
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch (err) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
}

/** Removes `lock` when its holder is dead; true when it did (or it is gone). */
function breakStaleLock (lock) {
  const pid = lockHolder(lock)
  if (pid === undefined) {
    // no pid yet: the holder is between mkdir and write, or died there
    try { if (Date.now() - statSync(lock).mtimeMs < 2000) return false } catch (err) { if (err.code === 'ENOENT') return true; throw err }
  } else {
    try { process.kill(pid, 0); return false } catch (err) { if (err.code !== 'ESRCH') return false }
  }
  // move it aside first and check it is still the dead holder's: another
  // waiter may have broken it already and a live process taken it since
  const aside = `${lock}.stale-${process.pid}`
  try { renameSync(lock, aside) } catch (err) { if (err.code === 'ENOENT') return true; throw err }
  if (lockHolder(aside) !== pid) {
    try { renameSync(aside, lock) } catch (err) {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err
      rmSync(aside, { recursive: true, force: true })
    }
    return false
  }
  rmSync(aside, { recursive: true, force: true })
  return true
}

/** Runs `fn(state)` with the host's state locked; writes back what `fn` leaves in it. */
export function withState (dir, fn) {
  const lock = join(dir, 'lock')
  acquireLock(lock)
  try {
    const file = join(dir, 'state.json')
    const state = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { nextDomid: 1, domains: [] }
    advance(state)
    const result = fn(state)
    writeFileSync(file + '.tmp', JSON.stringify(state, null, 1))
    renameSync(file + '.tmp', file)
    return result
  } finally {
    releaseLock(lock)
  }
}

export function readHost (dir) {
  return JSON.parse(readFileSync(join(dir, 'host.json'), 'utf8'))
}

/** After a guest powers off, xl's background monitor destroys it (on_poweroff = "destroy") this much later. */
const CLEANUP_MS = 400

/** Applies what happened since the last call: guests finishing a requested shutdown, CPU time. */
function advance (state) {
  const now = Date.now()
  for (const d of state.domains) {
    // a guest that powers off is shut down (and paused by Xen) until xl destroys it
    if (d.shutdownAtMs !== undefined && !d.paused && now >= d.shutdownAtMs) { d.poweredOff = true; d.paused = true; d.poweredOffAtMs = now }
  }
  state.domains = state.domains.filter(d => !(d.poweredOff === true && now >= d.poweredOffAtMs + CLEANUP_MS))
  for (const d of state.domains) {
    const last = d.lastTickMs ?? now
    if (!d.paused && !d.crashed) d.cpuTimeS += (now - last) / 1000 * 0.02 * d.vcpus
    d.lastTickMs = now
  }
}

/**
 * Fault injection. `faults.json` in XL_DOUBLE_ROOT (or this host's directory)
 * holds a list of { command, host?, mode: 'fail'|'hang'|'garbage', times?,
 * stderr?, exitCode?, line? }. A matching entry is consumed (times, default 1).
 */
export function takeFault (command) {
  const root = process.env.XL_DOUBLE_ROOT
  if (root === undefined) return undefined
  const file = join(root, 'faults.json')
  if (!existsSync(file)) return undefined
  const lock = join(root, 'faults.lock')
  acquireLock(lock)
  try {
    const faults = JSON.parse(readFileSync(file, 'utf8'))
    const host = process.env.XL_DOUBLE_HOST ?? 'host0'
    const i = faults.findIndex(f => f.command === command && (f.host === undefined || f.host === host))
    if (i < 0) return undefined
    const fault = faults[i]
    const times = (fault.times ?? 1) - 1
    if (times <= 0) faults.splice(i, 1); else faults[i] = { ...fault, times }
    writeFileSync(file, JSON.stringify(faults))
    return fault
  } finally {
    releaseLock(lock)
  }
}

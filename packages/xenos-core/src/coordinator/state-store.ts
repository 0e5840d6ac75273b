/**
 * Durable coordinator state: one JSON snapshot in the data directory,
 * replaced atomically on every change.
 *
 * A write goes to a temporary file in the same directory, is fsynced,
 * renamed over the snapshot, and the directory is fsynced, so after a crash
 * (even `kill -9` or a power cut after the rename) the file is either the old
 * snapshot or the new one, never a mix. The envelope carries a SHA-256 of the
 * body so a file damaged on disk is reported, not half-loaded, and every
 * record is checked on load: a malformed one (a missing id, an unknown state)
 * stops the start with its position and field, and the file is left alone.
 *
 * Writes are coalesced: while one write is in flight, further changes wait
 * for a single next write that carries the newest state. `save()` resolves
 * once a write holding the caller's change is on disk.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { StateSnapshot } from './records.js'
import { InvalidArgumentError, StateFileError } from './errors.js'
import { validateSnapshot } from './record-checks.js'

export type { StateSnapshot } from './records.js'

export const STATE_FILE = 'coordinator-state.json'
const VERSION = 1

interface Envelope { version: number, sha256: string, body: string }

/** Write `data` to `path` so that a crash leaves the old or the new content. */
export async function atomicWriteFile (path: string, data: string, dir: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(data, 'utf8')
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  const dh = await open(dir, 'r')
  try { await dh.sync() } finally { await dh.close() }
}

export interface StateStore {
  readonly path: string
  /** The saved snapshot, or undefined when the directory has none yet. */
  load (): Promise<StateSnapshot | undefined>
  /** Persist the state `read()` returns at write time; resolves once on disk. */
  save (): Promise<void>
  /** Resolves when no write is in flight. */
  flush (): Promise<void>
}

/**
 * A snapshot store in `dataDir`. `read` is called at the moment of each
 * write, so coalesced saves always write the newest state.
 */
export function stateStore (init: { dataDir: string }, components: { read: () => StateSnapshot }): StateStore {
  const path = join(init.dataDir, STATE_FILE)
  let writing: Promise<void> | undefined
  let next: Promise<void> | undefined

  async function writeOnce (): Promise<void> {
    await mkdir(init.dataDir, { recursive: true })
    await atomicWriteFile(path, envelopeOf(components.read()), init.dataDir)
  }

  function save (): Promise<void> {
    if (next !== undefined) return next
    if (writing === undefined) {
      writing = writeOnce().finally(() => { writing = undefined })
      return writing
    }
    // the write in flight fails to its own callers (every save is awaited); the next one only waits for it to end
    const after = writing.catch(() => undefined)
    next = after.then(() => {
      next = undefined
      return save()
    })
    return next
  }

  return {
    path,
    async load () {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw new StateFileError(path, (err as Error).message, { cause: err })
      }
      return parseSnapshot(text, path)
    },
    save,
    async flush () {
      while (writing !== undefined || next !== undefined) {
        // waiting only: a write that fails fails to the callers of its save
        await (next ?? writing)?.catch(() => undefined)
      }
    }
  }
}

/** The snapshot a state file's text holds, checked (envelope, checksum, every record); `StateFileError` naming `path` otherwise. */
function parseSnapshot (text: string, path: string): StateSnapshot {
  let envelope: Envelope
  try {
    envelope = JSON.parse(text) as Envelope
  } catch (err) {
    throw new StateFileError(path, `malformed JSON (${(err as Error).message})`, { cause: err })
  }
  if (envelope.version !== VERSION) throw new StateFileError(path, `version ${String(envelope.version)} (this coordinator reads ${VERSION})`)
  if (typeof envelope.body !== 'string' || sha256(envelope.body) !== envelope.sha256) {
    throw new StateFileError(path, 'a body whose SHA-256 does not match (damaged file)')
  }
  let snap: StateSnapshot
  try {
    snap = JSON.parse(envelope.body) as StateSnapshot
  } catch (err) {
    throw new StateFileError(path, `a body that is not JSON (${(err as Error).message})`, { cause: err })
  }
  try {
    validateSnapshot(snap)
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err
    throw new StateFileError(path, `a malformed record: ${err.message}; the file was left as it is`, { cause: err })
  }
  return snap
}

function envelopeOf (snapshot: StateSnapshot): string {
  const body = JSON.stringify(snapshot)
  return JSON.stringify({ version: VERSION, sha256: sha256(body), body } satisfies Envelope)
}

/** Where a memory state store keeps its state file's text (it outlives the coordinator that wrote it, as a file does). */
export interface MemoryStateFile {
  text?: string
}

/**
 * A snapshot store that keeps the state file's text in `file` instead of on
 * disk: for coordinators of a simulation, whose every wait must be simulated
 * work (a real file write would let simulated time run on meanwhile). The
 * same envelope and checks as the file store; a coordinator started again
 * over the same `file` finds what the last one saved.
 */
export function memoryStateStore (file: MemoryStateFile, components: { read: () => StateSnapshot }, name = 'memory'): StateStore {
  const path = `(${name})/${STATE_FILE}`
  return {
    path,
    async load () { return file.text === undefined ? undefined : parseSnapshot(file.text, path) },
    async save () { file.text = envelopeOf(components.read()) },
    async flush () {}
  }
}

function sha256 (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

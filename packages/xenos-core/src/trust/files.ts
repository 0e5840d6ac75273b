/**
 * Files of cluster trust: secrets are written atomically with mode 0600 (a
 * temporary file, then a rename) and tightened to 0600 when found looser; a
 * secret is never part of an error message.
 */
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { TrustFileError } from './errors.js'

/** Writes `data` to `path` atomically with `mode`; with `exclusive`, fails when `path` exists. */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode = 0o600, exclusive = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  if (exclusive) {
    const exists = await stat(path).then(() => true, () => false)
    if (exists) throw new TrustFileError(path, 'expected no file (it would be replaced), found one')
  }
  const tmp = `${path}.tmp-${process.pid}-${Math.floor(performance.now() * 1000)}`
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await chmod(tmp, mode)
  await rename(tmp, path)
}

/** Reads a file; `undefined` when it does not exist. */
export async function readOptional (path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new TrustFileError(path, `expected a readable file, found ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
  }
}

/** Reads a secret file, tightening its mode to 0600 when group or others could read it. */
export async function readSecret (path: string): Promise<string> {
  const text = await readOptional(path)
  if (text === undefined) throw new TrustFileError(path, 'expected a secret file, found none')
  const mode = (await stat(path)).mode & 0o777
  if ((mode & 0o077) !== 0) await chmod(path, 0o600)
  return text
}

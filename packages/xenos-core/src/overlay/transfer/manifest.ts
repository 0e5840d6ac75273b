/**
 * Image manifests: an image is cut in fixed-size chunks, each named by its
 * SHA-256; the manifest lists them with the total size, and the manifest's own
 * SHA-256 (over its canonical JSON) names the image. A host that has the
 * manifest hash can verify everything it receives.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { CHUNK_SIZE_BYTES, type ImageManifest } from '@xenos/hypervisor-interface'
import { InvalidArgumentError, show } from '../../errors.js'
import { IntegrityError } from '../errors.js'

/** The contract's chunk size: 4 MiB. */
export const DEFAULT_CHUNK_SIZE_BYTES = CHUNK_SIZE_BYTES
const MAX_CHUNKS = 1 << 20

/** An image as chunks (the contract's `ImageManifest`). */
export type Manifest = ImageManifest

export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The canonical bytes of a manifest (fixed key order). */
export function manifestBytes (m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ version: m.version, sizeBytes: m.sizeBytes, chunkSizeBytes: m.chunkSizeBytes, chunks: m.chunks }))
}

/** The content id of an image: SHA-256 of its canonical manifest. */
export function manifestHash (m: Manifest): string {
  return sha256Hex(manifestBytes(m))
}

/** Size in bytes of chunk `index` (the last one may be short). */
export function chunkLength (m: Manifest, index: number): number {
  return Math.min(m.chunkSizeBytes, m.sizeBytes - index * m.chunkSizeBytes)
}

/** Check an untrusted value is a well-formed manifest. */
export function validateManifest (v: unknown): Manifest {
  const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  const fail = (field: string, expected: string, found: unknown): never => {
    // an untrusted value: long ones are cut in the message
    const shown = show(found)
    throw new InvalidArgumentError(`manifest ${field}`, expected, shown.length > 100 ? `${shown.slice(0, 100)}...` : found)
  }
  if (r['version'] !== 1) fail('version', '1', r['version'])
  const sizeBytes = r['sizeBytes']
  const chunkSizeBytes = r['chunkSizeBytes']
  if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0) fail('sizeBytes', 'a non-negative integer', sizeBytes)
  if (typeof chunkSizeBytes !== 'number' || !Number.isSafeInteger(chunkSizeBytes) || chunkSizeBytes < 1024 || chunkSizeBytes > 64 * 1024 * 1024) {
    fail('chunkSizeBytes', 'an integer in [1024, 67108864]', chunkSizeBytes)
  }
  const chunks = r['chunks']
  const expectedChunks = Math.ceil((sizeBytes as number) / (chunkSizeBytes as number))
  if (!Array.isArray(chunks) || chunks.length !== expectedChunks || chunks.length > MAX_CHUNKS) {
    fail('chunks', `an array of ${expectedChunks} hashes`, Array.isArray(chunks) ? `${chunks.length} entries` : chunks)
  }
  for (const c of chunks as unknown[]) if (typeof c !== 'string' || !/^[0-9a-f]{64}$/.test(c)) fail('chunks[]', 'a lowercase SHA-256 hex digest', c)
  return { version: 1, sizeBytes: sizeBytes as number, chunkSizeBytes: chunkSizeBytes as number, chunks: chunks as string[] }
}

/** Parse manifest bytes received for `expectedHash`, verifying the hash. */
export function parseManifest (bytes: Uint8Array, expectedHash: string): Manifest {
  const found = sha256Hex(bytes)
  if (found !== expectedHash) throw new IntegrityError(`manifest: expected SHA-256 ${expectedHash}, found ${found}`)
  let v: unknown
  try {
    v = JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new IntegrityError(`manifest ${expectedHash}: expected JSON, found invalid data (${(err as Error).message})`)
  }
  return validateManifest(v)
}

/** Build the manifest of a file by hashing it chunk by chunk. */
export async function buildManifest (path: string, chunkSizeBytes = DEFAULT_CHUNK_SIZE_BYTES): Promise<Manifest> {
  validateManifest({ version: 1, sizeBytes: 0, chunkSizeBytes, chunks: [] })
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const chunks: string[] = []
    const buf = Buffer.allocUnsafe(chunkSizeBytes)
    for (let offset = 0; offset < size; offset += chunkSizeBytes) {
      const len = Math.min(chunkSizeBytes, size - offset)
      const { bytesRead } = await fh.read(buf, 0, len, offset)
      if (bytesRead !== len) throw new IntegrityError(`${path}: expected ${len} bytes at offset ${offset}, read ${bytesRead} (file changed while hashing?)`)
      chunks.push(sha256Hex(buf.subarray(0, len)))
    }
    return { version: 1, sizeBytes: size, chunkSizeBytes, chunks }
  } finally {
    await fh.close()
  }
}

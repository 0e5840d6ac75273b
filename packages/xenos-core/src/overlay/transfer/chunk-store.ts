/**
 * Images as chunks in real files (the contract's `ChunkStore`; a backend
 * that models bytes instead of moving them, the simulator, has its own).
 *
 * FileChunkStore: a complete image is a plain file; an image
 * being fetched is a staging file `<path>.part` written at chunk offsets, plus
 * a state file `<path>.part.state` recording which chunks are verified. After
 * an interruption the fetch resumes from the state (chunks are re-hashed on
 * open, so a torn write is fetched again); when the last chunk arrives the
 * staging file is renamed to `<path>` and the state removed.
 */
import { open, rename, rm, stat, writeFile, readFile, type FileHandle } from 'node:fs/promises'
import { bitmapHas, bitmapSet, type ChunkStore } from '@xenos/hypervisor-interface'
import { chunkLength, manifestHash, sha256Hex, type Manifest } from './manifest.js'
import { InvalidArgumentError } from '../../errors.js'
import { IntegrityError, TransferError } from '../errors.js'

export type { ChunkStore }

export class FileChunkStore implements ChunkStore {
  private readonly bits: Uint8Array
  private held = 0
  private stateWrite: Promise<void> = Promise.resolve()
  private finished = false
  private readonly hash: string

  private constructor (
    readonly manifest: Manifest,
    private readonly path: string,
    private readonly fh: FileHandle,
    private readonly staging: boolean
  ) {
    this.bits = new Uint8Array(Math.ceil(manifest.chunks.length / 8))
    this.hash = manifestHash(manifest)
  }

  /** A complete image file that matches `manifest` (its size is checked, not its hashes). */
  static async openComplete (path: string, manifest: Manifest): Promise<FileChunkStore> {
    const { size } = await stat(path)
    if (size !== manifest.sizeBytes) {
      throw new InvalidArgumentError(`image ${path}`, `${manifest.sizeBytes} bytes as in its manifest`, `${size} bytes`)
    }
    const store = new FileChunkStore(manifest, path, await open(path, 'r'), false)
    for (let i = 0; i < manifest.chunks.length; i++) bitmapSet(store.bits, i)
    store.held = manifest.chunks.length
    store.finished = true
    return store
  }

  /**
   * Open the destination of a fetch: resume from `<path>.part` when its state
   * file names the same manifest, else start empty.
   */
  static async openStaging (path: string, manifest: Manifest): Promise<FileChunkStore> {
    const part = `${path}.part`
    const hash = manifestHash(manifest)
    let previous: Uint8Array | undefined
    try {
      const state = JSON.parse(await readFile(`${part}.state`, 'utf8')) as { manifestHash?: unknown, bitmap?: unknown }
      if (state.manifestHash === hash && typeof state.bitmap === 'string') previous = Buffer.from(state.bitmap, 'base64')
    } catch (err) {
      // No state (first attempt) or an unreadable one: start from scratch.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err
    }
    if (previous === undefined) await writeFile(part, new Uint8Array(0))
    const fh = await open(part, 'r+')
    await fh.truncate(manifest.sizeBytes)
    const store = new FileChunkStore(manifest, path, fh, true)
    if (previous !== undefined) {
      for (let i = 0; i < manifest.chunks.length; i++) {
        if (!bitmapHas(previous, i)) continue
        const bytes = await store.readRaw(i)
        if (sha256Hex(bytes) === manifest.chunks[i]) {
          bitmapSet(store.bits, i)
          store.held++
        }
      }
    }
    await store.saveState()
    return store
  }

  has (index: number): boolean {
    return bitmapHas(this.bits, index)
  }

  count (): number {
    return this.held
  }

  bitmap (): Uint8Array {
    return this.bits.slice()
  }

  async read (index: number): Promise<Uint8Array> {
    if (!this.has(index)) throw new InvalidArgumentError('chunk', 'a chunk this store holds', `chunk ${index}, missing`)
    return this.readRaw(index)
  }

  async write (index: number, bytes: Uint8Array): Promise<void> {
    if (!this.staging || this.finished) throw new InvalidArgumentError(`chunk ${index}`, 'a store being fetched', 'a complete image')
    if (index < 0 || index >= this.manifest.chunks.length || !Number.isInteger(index)) {
      throw new InvalidArgumentError('chunk index', `0..${this.manifest.chunks.length - 1}`, index)
    }
    if (bytes.byteLength !== chunkLength(this.manifest, index)) {
      throw new IntegrityError(`chunk ${index}: expected ${chunkLength(this.manifest, index)} bytes, found ${bytes.byteLength}`)
    }
    if (this.has(index)) return
    await this.fh.write(bytes, 0, bytes.byteLength, index * this.manifest.chunkSizeBytes)
    bitmapSet(this.bits, index)
    this.held++
    await this.saveState()
  }

  async finish (): Promise<void> {
    if (this.finished) return
    if (this.held !== this.manifest.chunks.length) {
      throw new TransferError(`finish: expected all ${this.manifest.chunks.length} chunks, found ${this.held}`)
    }
    await this.stateWrite
    await this.fh.sync()
    await rename(`${this.path}.part`, this.path)
    await rm(`${this.path}.part.state`, { force: true })
    this.finished = true
  }

  async close (): Promise<void> {
    await this.stateWrite
    await this.fh.close()
  }

  private async readRaw (index: number): Promise<Uint8Array> {
    const len = chunkLength(this.manifest, index)
    const buf = Buffer.allocUnsafe(len)
    const { bytesRead } = await this.fh.read(buf, 0, len, index * this.manifest.chunkSizeBytes)
    if (bytesRead !== len) throw new IntegrityError(`chunk ${index} of ${this.path}: expected ${len} bytes, read ${bytesRead}`)
    return buf
  }

  /** Persist the bitmap (write to a temporary file, then rename), one write at a time. */
  private saveState (): Promise<void> {
    const state = JSON.stringify({ manifestHash: this.hash, bitmap: Buffer.from(this.bits).toString('base64') })
    const file = `${this.path}.part.state`
    this.stateWrite = this.stateWrite.then(async () => {
      await writeFile(`${file}.tmp`, state)
      await rename(`${file}.tmp`, file)
    })
    return this.stateWrite
  }
}

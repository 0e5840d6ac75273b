/**
 * Length-prefixed frames on a libp2p stream: a 4-byte big-endian length, then
 * that many bytes. Every read has a size limit (a larger announced length
 * aborts the stream with a FrameError before any of it is buffered) and every
 * exchange has a deadline (an AbortSignal).
 */
import type { Stream } from '@libp2p/interface'
import { FrameError, OverlayTimeoutError } from './errors.js'

type Chunk = { subarray(): Uint8Array } | Uint8Array

/** Frames up to this size are copied into one buffer before sending. */
const SMALL_FRAME_BYTES = 60 * 1024

/** Reads frames from one stream; create one reader per stream and keep it. */
export class FrameReader {
  private readonly iterator: AsyncIterator<Chunk>
  private readonly pending: Uint8Array[] = []
  private pendingBytes = 0
  private ended = false

  constructor (private readonly stream: Stream) {
    this.iterator = (stream as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
  }

  /**
   * Read the next frame. Returns `null` when the remote closed its side
   * cleanly between frames; throws FrameError on a truncated or oversized
   * frame and OverlayTimeoutError when `signal` fires first.
   */
  async read (maxBytes: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    if (!(await this.fill(4, signal))) {
      if (this.pendingBytes === 0) return null
      throw new FrameError(`expected a 4-byte frame header, found ${this.pendingBytes} bytes before end of stream`)
    }
    const header = this.take(4)
    const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0)
    if (length > maxBytes) {
      const err = new FrameError(`expected a frame of at most ${maxBytes} bytes, found a header announcing ${length} bytes`)
      this.stream.abort(err)
      throw err
    }
    if (!(await this.fill(length, signal))) {
      throw new FrameError(`expected a frame of ${length} bytes, found ${this.pendingBytes} bytes before end of stream`)
    }
    return this.take(length)
  }

  private async fill (bytes: number, signal?: AbortSignal): Promise<boolean> {
    while (this.pendingBytes < bytes) {
      if (this.ended) return false
      const next = await raceAbort(this.iterator.next(), signal)
      if (next.done === true) {
        this.ended = true
        return false
      }
      const data = next.value instanceof Uint8Array ? next.value : next.value.subarray()
      if (data.byteLength > 0) {
        this.pending.push(data)
        this.pendingBytes += data.byteLength
      }
    }
    return true
  }

  private take (bytes: number): Uint8Array {
    const first = this.pending[0]
    if (first !== undefined && first.byteLength >= bytes) {
      // Fast path: the frame lies within one received chunk.
      const out = first.subarray(0, bytes)
      if (first.byteLength === bytes) this.pending.shift()
      else this.pending[0] = first.subarray(bytes)
      this.pendingBytes -= bytes
      return out
    }
    const out = new Uint8Array(bytes)
    let offset = 0
    while (offset < bytes) {
      const head = this.pending[0]!
      const n = Math.min(head.byteLength, bytes - offset)
      out.set(head.subarray(0, n), offset)
      offset += n
      if (n === head.byteLength) this.pending.shift()
      else this.pending[0] = head.subarray(n)
    }
    this.pendingBytes -= bytes
    return out
  }
}

/** Write one frame, waiting for the stream to drain when its buffer is full. */
export async function writeFrame (stream: Stream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  await writeFrameParts(stream, [data], signal)
}

/** Write one frame made of several parts (saves copying a large body behind a small header). */
export async function writeFrameParts (stream: Stream, parts: Uint8Array[], signal?: AbortSignal): Promise<void> {
  const length = parts.reduce((n, p) => n + p.byteLength, 0)
  let ok: boolean
  if (length <= SMALL_FRAME_BYTES) {
    // One buffer, so the frame travels as one Yamux message and one Noise
    // message instead of one per part.
    const frame = new Uint8Array(4 + length)
    new DataView(frame.buffer).setUint32(0, length)
    let offset = 4
    for (const p of parts) {
      frame.set(p, offset)
      offset += p.byteLength
    }
    ok = stream.send(frame)
  } else {
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, length)
    ok = stream.send(header)
    for (const p of parts) ok = stream.send(p) && ok
  }
  if (!ok) await raceAbort(stream.onDrain(signal !== undefined ? { signal } : {}), signal)
}

/** Encode a JSON value as a frame body. */
export function encodeJson (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** Decode a frame body as JSON; throws FrameError on invalid JSON. */
export function decodeJson (bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new FrameError(`expected a JSON ${what}, found invalid JSON (${(err as Error).message})`)
  }
}

/** Resolve with `promise`, or reject with OverlayTimeoutError when `signal` aborts first. */
export function raceAbort<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    )
  })
}

function abortReason (signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name !== 'TimeoutError' && reason.name !== 'AbortError') return reason
  const why = reason instanceof Error ? reason.message : String(reason)
  return new OverlayTimeoutError(`expected the remote peer to answer before the deadline, found no answer (${why})`)
}

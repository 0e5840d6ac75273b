/**
 * The waiting `have`: a holder's chunk service holds the request until it
 * has a chunk the asker wants, the wait runs out, the asker gives up, or the
 * image leaves; and a fetch that waits this way instead of polling, also
 * beside a holder that answers at once (one that does not know the waiting
 * `have`). In process, on a clock that moves only when the test moves it
 * (no network, no real time).
 */
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import {
  waitFor, type ChunkHandler, type ChunkRequest, type ChunkResponse, type ChunkStore, type ChunkTransport, type Clock
} from '@xenos/hypervisor-interface'
import { EventQueue } from '@xenos/sim-engine'
import { inProcessTransport } from '../test-helpers.js'
import { manifestHash, sha256Hex, type Manifest } from './manifest.js'
import { ChunkService, HAVE_BUSY, HAVE_ELAPSED, HAVE_WANTED, ImageShelf } from './chunk-service.js'
import { fetchImage } from './fetch.js'

const CHUNK = 64 * 1024
const CHUNKS = 12
const SIZE = CHUNKS * CHUNK - 100
const BITMAP_BYTES = Math.ceil(CHUNKS / 8)

/** A clock whose sleeps end only when it is moved: by `advance`, or by `run` whenever nothing else is left to do. */
interface SteppedClock extends Clock {
  advance (durationS: number): void
  /** Sleeps not yet over. */
  sleepers (): number
  /** Settle `work`, moving the clock to the next sleep's end each time the process has nothing else to do. */
  run<T>(work: Promise<T>): Promise<T>
}

function steppedClock (): SteppedClock {
  let now = 0
  /** The sleeps not yet over, in time order then the order they began: the simulation engine's event queue. */
  const timers = new EventQueue()
  const advanceTo = (atS: number): void => {
    now = Math.max(now, atS)
    while (timers.peekTimeS() <= now) timers.pop()!.run()
  }
  return {
    nowS: () => now,
    sleep: async (durationS, signal) => {
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted === true) { reject(signal.reason); return }
        const timer = timers.push(now + durationS, () => { signal?.removeEventListener('abort', onAbort); resolve() }, 'sleep')
        const onAbort = (): void => {
          timer.cancel()
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    advance: (durationS) => { advanceTo(now + durationS) },
    sleepers: () => timers.size,
    run: async <T>(work: Promise<T>): Promise<T> => {
      let settled = false
      work.then(() => { settled = true }, () => { settled = true })
      while (!settled) {
        await new Promise(resolve => setImmediate(resolve))
        if (!settled && timers.size > 0) advanceTo(timers.peekTimeS())
      }
      return await work
    }
  }
}

/** An image in memory, and its manifest. */
interface Image { manifest: Manifest, bytes: Uint8Array }

function image (): Image {
  const bytes = randomBytes(SIZE)
  const chunks: string[] = []
  for (let i = 0; i * CHUNK < SIZE; i++) chunks.push(sha256Hex(bytes.subarray(i * CHUNK, (i + 1) * CHUNK)))
  return { manifest: { version: 1, sizeBytes: SIZE, chunkSizeBytes: CHUNK, chunks }, bytes }
}

/** A store of `img` in memory holding the chunks `held`: the fetch's destination, or a holder's image. */
class MemoryStore implements ChunkStore {
  readonly manifest: Manifest
  private readonly chunks = new Map<number, Uint8Array>()

  constructor (private readonly img: Image, held: number[]) {
    this.manifest = img.manifest
    for (const i of held) this.chunks.set(i, this.slice(i))
  }

  has (index: number): boolean { return this.chunks.has(index) }
  count (): number { return this.chunks.size }
  bitmap (): Uint8Array { return bitmapOf([...this.chunks.keys()]) }
  async read (index: number): Promise<Uint8Array> { return this.chunks.get(index)! }
  async write (index: number, bytes: Uint8Array): Promise<void> { this.chunks.set(index, bytes) }
  /** Write chunk `index` from the image, as a fetch does, and say so to `shelf`. */
  gain (index: number, shelf: ImageShelf): void {
    this.chunks.set(index, this.slice(index))
    shelf.gained(manifestHash(this.manifest), index)
  }

  async finish (): Promise<void> {}
  async close (): Promise<void> {}
  /** The bytes held, in order. */
  content (): Uint8Array { return Buffer.concat([...this.chunks.keys()].sort((a, b) => a - b).map(i => this.chunks.get(i)!)) }
  private slice (i: number): Uint8Array { return this.img.bytes.subarray(i * CHUNK, (i + 1) * CHUNK) }
}

function bitmapOf (chunks: number[]): Uint8Array {
  const bits = new Uint8Array(BITMAP_BYTES)
  for (const i of chunks) bits[i >> 3] = bits[i >> 3]! | (0x80 >> (i & 7))
  return bits
}

function waitingHave (hash: string, wanted: number[], waitMs = 1000): ChunkRequest {
  return { op: 'have', hash, waitMs, wanted: Buffer.from(bitmapOf(wanted)).toString('base64') }
}

/** Why a waiting `have` was answered (its last byte), and whether the held bitmap has chunk `i`. */
function why (r: ChunkResponse): number {
  expect(r.status).toBe('ok')
  expect(r.body.byteLength).toBe(2 * BITMAP_BYTES + 1)
  return r.body[2 * BITMAP_BYTES]!
}

function holds (r: ChunkResponse, i: number): boolean {
  return ((r.body[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0
}

describe('chunk service: waiting have', () => {
  it('is answered at once when a wanted chunk is held, and when a wanted chunk arrives otherwise (not for another chunk)', async () => {
    const store = new MemoryStore(image(), [0, 1])
    const shelf = new ImageShelf()
    const hash = shelf.put(store)
    const clock = steppedClock()
    const service = new ChunkService(shelf, clock)

    expect(why(await service.answer(waitingHave(hash, [1, 5])))).toBe(HAVE_WANTED)

    let answer: ChunkResponse | undefined
    void service.answer(waitingHave(hash, [5, 7])).then((r) => { answer = r })
    await waitFor(() => service.waitingHaves === 1, { timeoutS: 60, what: 'the request to wait' })
    // a chunk the asker does not want leaves it waiting
    store.gain(3, shelf)
    await new Promise(resolve => setImmediate(resolve))
    expect(answer).toBeUndefined()
    expect(service.waitingHaves).toBe(1)
    store.gain(7, shelf)
    await waitFor(() => answer !== undefined, { timeoutS: 60, what: 'the answer once chunk 7 arrived' })
    expect(why(answer!)).toBe(HAVE_WANTED)
    expect([0, 1, 3, 7].every(i => holds(answer!, i))).toBe(true)
    expect(holds(answer!, 5)).toBe(false)
    // its bounded wait was cancelled with it
    expect(service.waitingHaves).toBe(0)
    expect(clock.sleepers()).toBe(0)
  })

  it('is answered when its wait runs out on the service\'s clock, and at once for a wait of 0', async () => {
    const img = image()
    const shelf = new ImageShelf()
    const hash = shelf.put(new MemoryStore(img, [0]))
    const clock = steppedClock()
    const service = new ChunkService(shelf, clock)
    expect(why(await service.answer(waitingHave(hash, [4], 0)))).toBe(HAVE_ELAPSED)

    let answer: ChunkResponse | undefined
    void service.answer(waitingHave(hash, [4], 2000)).then((r) => { answer = r })
    await waitFor(() => clock.sleepers() === 1, { timeoutS: 60, what: 'the bounded wait to start' })
    clock.advance(1.5)
    await new Promise(resolve => setImmediate(resolve))
    expect(answer).toBeUndefined()
    clock.advance(0.5)
    await waitFor(() => answer !== undefined, { timeoutS: 60, what: 'the answer after 2 s' })
    expect(why(answer!)).toBe(HAVE_ELAPSED)
    expect(holds(answer!, 0)).toBe(true)
  })

  it('is answered not-held when the holder drops the image or its service closes, and at once when the asker gives up', async () => {
    const img = image()
    const shelf = new ImageShelf()
    const hash = shelf.put(new MemoryStore(img, [0]))
    const service = new ChunkService(shelf, steppedClock())

    const dropped = service.answer(waitingHave(hash, [4]))
    await waitFor(() => service.waitingHaves === 1, { timeoutS: 60, what: 'the request to wait' })
    shelf.remove(hash)
    expect((await dropped).status).toBe('not-held')

    shelf.put(new MemoryStore(img, [0]))
    const closed = service.answer(waitingHave(hash, [4]))
    await waitFor(() => service.waitingHaves === 1, { timeoutS: 60, what: 'the request to wait' })
    const giveUp = new AbortController()
    const abandoned = new ChunkService(shelf, steppedClock())
    const given = abandoned.answer(waitingHave(hash, [4]), 'asker', giveUp.signal)
    await waitFor(() => abandoned.waitingHaves === 1, { timeoutS: 60, what: 'the request to wait' })
    giveUp.abort()
    expect(why(await given)).toBe(HAVE_ELAPSED)
    expect(abandoned.waitingHaves).toBe(0)

    service.close()
    expect((await closed).status).toBe('not-held')
    expect((await service.answer({ op: 'have', hash })).status).toBe('not-held')
  })

  it('holds at most maxWaitingHaves requests: one more is answered at once, busy', async () => {
    const img = image()
    const shelf = new ImageShelf()
    const hash = shelf.put(new MemoryStore(img, [0]))
    const clock = steppedClock()
    const service = new ChunkService(shelf, clock, { maxWaitingHaves: 2 })
    const held = [service.answer(waitingHave(hash, [4])), service.answer(waitingHave(hash, [5]))]
    await waitFor(() => service.waitingHaves === 2, { timeoutS: 60, what: 'two requests to wait' })
    expect(why(await service.answer(waitingHave(hash, [6])))).toBe(HAVE_BUSY)
    expect(service.waitingHaves).toBe(2)
    clock.advance(1)
    expect((await Promise.all(held)).map(why)).toEqual([HAVE_ELAPSED, HAVE_ELAPSED])
  })

  it('answers a malformed waiting have with an error saying what was expected', async () => {
    const img = image()
    const shelf = new ImageShelf()
    const hash = shelf.put(new MemoryStore(img, [0]))
    const service = new ChunkService(shelf, steppedClock())
    const bad = async (request: Record<string, unknown>): Promise<string> => {
      const r = await service.answer(request as unknown as ChunkRequest)
      expect(r.status).toBe('error')
      return new TextDecoder().decode(r.body)
    }
    expect(await bad({ op: 'have', hash, waitMs: -1, wanted: 'AAA=' })).toMatch(/expected "waitMs" a number of milliseconds >= 0, found -1/)
    expect(await bad({ op: 'have', hash, waitMs: 10 })).toMatch(/expected "wanted" a base64 bitmap of 2 bytes, found undefined/)
    expect(await bad({ op: 'have', hash, waitMs: 10, wanted: 'AAAAAA==' })).toMatch(/expected "wanted" a base64 bitmap of 2 bytes, found 4 bytes/)
  })
})

/** Holders answering from their handlers in-process, every `have` they receive counted. */
function transport (clock: SteppedClock, handlers: Map<string, ChunkHandler>, haves: Map<string, number>): ChunkTransport {
  return inProcessTransport(clock, handlers, (holder, request) => {
    if (request.op === 'have') haves.set(holder, (haves.get(holder) ?? 0) + 1)
  })
}

/**
 * A complete holder `seed` and a partial holder `partial` with the first half that first says it is fetching
 * the rest; its fetch then stops, which a fetcher hears from its next answer (a waiting have held 0.5 s).
 * Until then the seed's workers have nothing to take. The fetch's transport waits on `fetchClock`.
 */
async function seedBesideStoppingPartial (clock: SteppedClock, fetchClock: SteppedClock = clock): Promise<{ t: ChunkTransport, img: Image, hash: string }> {
  const img = image()
  const t = { ...transport(clock, new Map(), new Map()), clock: fetchClock }
  const seedShelf = new ImageShelf()
  seedShelf.put(new MemoryStore(img, Array.from({ length: CHUNKS }, (_, i) => i)))
  await t.listen('seed', new ChunkService(seedShelf, clock).answer)
  const partialShelf = new ImageShelf()
  const hash = partialShelf.put(new MemoryStore(img, Array.from({ length: CHUNKS / 2 }, (_, i) => i)))
  partialShelf.setInFlight(hash, new Set(Array.from({ length: CHUNKS / 2 }, (_, i) => CHUNKS / 2 + i)))
  const partial = new ChunkService(partialShelf, clock)
  await t.listen('partial', async (request, from, signal) => {
    const r = await partial.answer(request.waitMs === undefined ? request : { ...request, waitMs: 500 }, from, signal)
    if (request.op === 'have') partialShelf.setInFlight(hash, undefined)
    return r
  })
  return { t, img, hash }
}

describe('fetch: waiting for a partial holder', () => {
  /**
   * A complete holder `seed` that sends its last chunk only after 5 s, and a
   * partial holder `partial` with the first half that never gains more: the
   * fetch's workers on `partial` have nothing to take for 5 s.
   */
  async function fetchBeside (partialHandler: (service: ChunkService) => ChunkHandler): Promise<{ partialHaves: number, elapsedS: number }> {
    const img = image()
    const clock = steppedClock()
    const handlers = new Map<string, ChunkHandler>()
    const haves = new Map<string, number>()
    const t = transport(clock, handlers, haves)
    const seedShelf = new ImageShelf()
    seedShelf.put(new MemoryStore(img, Array.from({ length: CHUNKS }, (_, i) => i)))
    const seedService = new ChunkService(seedShelf, clock)
    await t.listen('seed', async (request, from, signal) => {
      if (request.op === 'get' && request.index === CHUNKS - 1) await clock.sleep(5)
      return await seedService.answer(request, from, signal)
    })
    const partialShelf = new ImageShelf()
    partialShelf.put(new MemoryStore(img, Array.from({ length: CHUNKS / 2 }, (_, i) => i)))
    await t.listen('partial', partialHandler(new ChunkService(partialShelf, clock)))

    const dest = new MemoryStore(img, [])
    const report = await clock.run(fetchImage({ transport: t, self: 'me' }, {
      manifestHash: manifestHash(img.manifest), holders: ['seed', 'partial'], openStore: async () => dest
    }))
    expect(Buffer.compare(dest.content(), img.bytes)).toBe(0)
    expect(report.holders.every(h => h.failure === undefined)).toBe(true)
    // the fetch waited for the last chunk; nothing of it is left waiting
    expect(clock.nowS()).toBeGreaterThanOrEqual(5)
    expect(clock.sleepers()).toBe(0)
    return { partialHaves: haves.get('partial') ?? 0, elapsedS: clock.nowS() }
  }

  it('asks a holder that waits about once per wait, not once per haveRefreshMs', async () => {
    const { partialHaves, elapsedS } = await fetchBeside(service => service.answer)
    // polled every 100 ms, it is asked about 50 times (next test); waiting 1 s at a time, about once a second
    expect(partialHaves).toBeGreaterThanOrEqual(2)
    expect(partialHaves).toBeLessThanOrEqual(elapsedS / 1 + 3)
  })

  it('asks a complete holder for a chunk as soon as no partial holder announces it any more', async () => {
    const clock = steppedClock()
    const { t, img, hash } = await seedBesideStoppingPartial(clock)
    const dest = new MemoryStore(img, [])
    const report = await clock.run(fetchImage({ transport: t, self: 'me' }, {
      manifestHash: hash, holders: ['seed', 'partial'], openStore: async () => dest
    }))
    expect(Buffer.compare(dest.content(), img.bytes)).toBe(0)
    expect(report.holders.map(h => [h.holder, h.chunks])).toEqual([['seed', CHUNKS / 2], ['partial', CHUNKS / 2]])
    // the seed's workers were woken by that answer, at 0.5 s, not by their own next look (haveWaitMs, 1 s)
    expect(clock.nowS()).toBeGreaterThanOrEqual(0.5)
    expect(clock.nowS()).toBeLessThan(0.9)
    expect(clock.sleepers()).toBe(0)
  })

  it('asks a holder that answers at once (one without the waiting have) every haveRefreshMs, without spinning', async () => {
    const { partialHaves, elapsedS } = await fetchBeside(service => async (request, from) => {
      // an older holder: the fields it does not know are ignored, a plain have answered at once
      const { waitMs: _w, wanted: _x, ...plain } = request
      return await service.answer(plain, from)
    })
    expect(partialHaves).toBeGreaterThanOrEqual(elapsedS / 0.1 / 2)
    expect(partialHaves).toBeLessThanOrEqual(2 * elapsedS / 0.1 + CHUNKS / 2 + 2)
  })
})

/** A clock failure, as opposed to the cancellation of a sleep (which rejects with its signal's reason). */
class ClockBrokenError extends Error {
  constructor () {
    super('expected the clock to sleep, found it broken')
    this.name = 'ClockBrokenError'
  }
}

/** `clock`, except that the first sleep a signal may cancel fails at once with a `ClockBrokenError`. */
function brokenCancellableSleep (clock: SteppedClock): SteppedClock {
  let broken = false
  return {
    ...clock,
    sleep: async (durationS, signal) => {
      if (signal !== undefined && !broken) {
        broken = true
        throw new ClockBrokenError()
      }
      await clock.sleep(durationS, signal)
    }
  }
}

describe('a failing clock is not taken for a cancelled wait', () => {
  it('chunk service: a waiting have whose bounded wait fails throws that failure (it is not left to wait for a chunk)', async () => {
    const store = new MemoryStore(image(), [0])
    const shelf = new ImageShelf()
    const hash = shelf.put(store)
    const service = new ChunkService(shelf, brokenCancellableSleep(steppedClock()))
    const answer = service.answer(waitingHave(hash, [5]))
    const settled = answer.then(() => 'answered', (err: unknown) => err)
    await new Promise(resolve => setImmediate(resolve))
    store.gain(5, shelf)
    expect(await settled).toBeInstanceOf(ClockBrokenError)
    expect(service.waitingHaves).toBe(0)
  })

  it('fetch: an idle worker whose bounded wait fails reports that failure (its fetch does not go on as if the wait had been cancelled)', async () => {
    // the seed's workers idle until the partial holder's first answer (as in 'asks a complete holder for a chunk as soon
    // as ...' above, where the fetch then completes); the fetch's first bounded wait fails
    const clock = steppedClock()
    const { t, img, hash } = await seedBesideStoppingPartial(clock, brokenCancellableSleep(clock))
    const fetched = clock.run(fetchImage({ transport: t, self: 'me' }, {
      manifestHash: hash, holders: ['seed', 'partial'], openStore: async () => new MemoryStore(img, [])
    }))
    await expect(fetched).rejects.toThrow(/seed: .*expected the clock to sleep, found it broken/)
  })
})

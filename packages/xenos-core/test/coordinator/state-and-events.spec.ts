import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { STATE_FILE } from '../../src/coordinator/index.js'
import { stateStore, type StateSnapshot } from '../../src/coordinator/state-store.js'
import { eventLog } from '../../src/coordinator/event-log.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'xenos-state-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('state store', () => {
  it('coalesces concurrent saves, always writes the newest state, and leaves no temporary file', async () => {
    let n = 0
    let reads = 0
    const snap = (): StateSnapshot => { reads++; return { bootCount: n, services: [], templates: [], groups: [] } }
    const store = stateStore({ dataDir: dir }, { read: snap })
    const saves: Array<Promise<void>> = []
    for (let i = 1; i <= 50; i++) { n = i; saves.push(store.save()) }
    await Promise.all(saves)
    expect((await store.load())?.bootCount).toBe(50)
    expect(reads).toBeLessThan(50)
    expect(await readdir(dir)).toEqual([STATE_FILE])
    const envelope = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { version: number, sha256: string }
    expect(envelope.version).toBe(1)
    expect(envelope.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('loads nothing from an empty directory', async () => {
    expect(await stateStore({ dataDir: join(dir, 'none') }, { read: () => { throw new Error('unused') } }).load()).toBeUndefined()
  })
})

describe('event log', () => {
  it('numbers events, pages them, and says how many a slow poller missed', () => {
    let t = 0
    const log = eventLog({ host: 'h1', capacity: 3 }, { bootCount: () => 4, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)) })
    for (let i = 0; i < 5; i++) log.emit({ kind: 'started', serviceId: `s${i}` })
    const page = log.since(0)
    expect(page.events.map(e => e.seq)).toEqual([3, 4, 5])
    expect(page).toMatchObject({ bootCount: 4, nextSeq: 5, missed: 2 })
    expect(page.events[0]).toMatchObject({ host: 'h1', serviceId: 's2', at: '2026-01-01T00:00:02.000Z' })
    expect(log.since(3, 1)).toMatchObject({ nextSeq: 4, missed: 0 })
    expect(log.since(5)).toMatchObject({ events: [], nextSeq: 5, missed: 0 })
  })
})

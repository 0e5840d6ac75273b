import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Libp2p } from '@libp2p/interface'
import { BootstrapDialer } from './bootstrap.js'

const PEER = '12D3KooWGRUVh7Lh7YxNUvd5ZbsXBzxKxgqQTEWSzYdkhDx4yQzq'

/** A node whose dials all fail, recording when each was made (fake timers). */
function failingNode (): { libp2p: Libp2p, dialsAtMs: number[] } {
  const dialsAtMs: number[] = []
  const libp2p = {
    peerId: { toString: () => 'self' },
    dial: async () => {
      dialsAtMs.push(Date.now())
      throw new Error('expected a handshake, found the connection reset')
    },
    addEventListener: () => {},
    removeEventListener: () => {}
  } as unknown as Libp2p
  return { libp2p, dialsAtMs }
}

afterEach(() => { vi.useRealTimers() })

describe('bootstrap dialer', () => {
  it('draws each redial between half and all of the backoff, so hosts that failed together do not retry together', async () => {
    vi.useFakeTimers({ now: 0 })
    const runs = [() => 0, () => 0.5].map((random) => {
      const { libp2p, dialsAtMs } = failingNode()
      const dialer = new BootstrapDialer(libp2p, { peers: [`/ip4/127.0.0.1/tcp/1/p2p/${PEER}`], initialBackoffMs: 100, maxBackoffMs: 400, random })
      dialer.start()
      return { dialer, dialsAtMs }
    })
    await vi.advanceTimersByTimeAsync(2000)
    for (const r of runs) r.dialer.stop()
    const gaps = runs.map(r => r.dialsAtMs.slice(1).map((t, i) => t - r.dialsAtMs[i]!))
    // backoff 200, 400, 400, ...: the lowest draw waits half of it, the middle one three quarters
    expect(gaps[0]!.slice(0, 3)).toEqual([100, 200, 200])
    expect(gaps[1]!.slice(0, 3)).toEqual([150, 300, 300])
  })
})

/**
 * Bootstrap dialer: keeps a connection to every peer of the bootstrap list.
 * A peer that cannot be reached, or whose connection closes, is redialed with
 * exponential backoff (from `initialBackoffMs`, doubling, capped at
 * `maxBackoffMs`; reset after a success). No rendezvous server is involved:
 * any running host can be a bootstrap peer of another. The cap is short
 * (2 s) because a host's first connection is how it joins: a bootstrap peer
 * that was down or cut off is found again within seconds of coming back
 * (every other member is redialled by the membership once failed). Each
 * wait is drawn between half and all of the backoff, so that hosts that
 * failed together (many joining through one busy bootstrap host) do not
 * all retry at the same moment and fail together again.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import { InvalidArgumentError } from '../errors.js'

export interface BootstrapInit {
  /** Multiaddrs ending in `/p2p/<peer id>`. */
  peers: string[]
  /** @default 250 */
  initialBackoffMs?: number
  /** @default 2000 */
  maxBackoffMs?: number
  /** Source of the jitter, in [0, 1). @default Math.random */
  random?: () => number
}

interface Target {
  addr: Multiaddr
  peerId: string
  backoffMs: number
  timer: ReturnType<typeof setTimeout> | undefined
  dialing: boolean
}

/** Parse and validate a bootstrap list entry. */
export function parseBootstrapAddr (text: string): { addr: Multiaddr, peerId: string } {
  let addr: Multiaddr
  try {
    addr = multiaddr(text)
  } catch (err) {
    throw new InvalidArgumentError('bootstrap peer', `a multiaddr (${(err as Error).message})`, text, { cause: err })
  }
  const peerId = addr.getComponents().find(c => c.name === 'p2p')?.value
  if (peerId === undefined) {
    throw new InvalidArgumentError('bootstrap peer', 'a multiaddr ending in /p2p/<peer id>', text)
  }
  return { addr, peerId }
}

export class BootstrapDialer {
  private readonly targets: Target[]
  private readonly initialBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly random: () => number
  private running = false
  private readonly onDisconnect = (evt: CustomEvent<{ toString(): string }>): void => {
    const target = this.targets.find(t => t.peerId === evt.detail.toString())
    if (target !== undefined) this.schedule(target, this.jittered(target.backoffMs))
  }

  constructor (private readonly libp2p: Libp2p, init: BootstrapInit) {
    this.initialBackoffMs = init.initialBackoffMs ?? 250
    this.maxBackoffMs = init.maxBackoffMs ?? 2000
    this.random = init.random ?? Math.random
    const self = libp2p.peerId.toString()
    this.targets = init.peers
      .map(parseBootstrapAddr)
      .filter(p => p.peerId !== self)
      .map(p => ({ ...p, backoffMs: this.initialBackoffMs, timer: undefined, dialing: false }))
  }

  start (): void {
    this.running = true
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    for (const t of this.targets) this.schedule(t, 0)
  }

  stop (): void {
    this.running = false
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    for (const t of this.targets) {
      clearTimeout(t.timer)
      t.timer = undefined
    }
  }

  /** Between half and all of `backoffMs`. */
  private jittered (backoffMs: number): number {
    return backoffMs * (0.5 + 0.5 * this.random())
  }

  private schedule (t: Target, delayMs: number): void {
    if (!this.running || t.timer !== undefined || t.dialing) return
    t.timer = setTimeout(() => {
      t.timer = undefined
      void this.dial(t)
    }, delayMs)
  }

  private async dial (t: Target): Promise<void> {
    if (!this.running) return
    t.dialing = true
    try {
      await this.libp2p.dial(t.addr)
      t.backoffMs = this.initialBackoffMs
    } catch {
      // Unreachable for now: the failure is the reason to retry, so it is
      // handled here by scheduling the next attempt with a longer backoff.
      t.backoffMs = Math.min(t.backoffMs * 2, this.maxBackoffMs)
      t.dialing = false
      this.schedule(t, this.jittered(t.backoffMs))
      return
    }
    t.dialing = false
  }
}

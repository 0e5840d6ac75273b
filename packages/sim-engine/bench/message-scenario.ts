/**
 * The message scenario, the anchor that SimGrid runs beside us
 * (`bench/simgrid/messages.cpp` is the same scenario in SimGrid's S4U):
 * `hosts` hosts on a star of 1 GbE links (each host one full-duplex link of
 * 125e6 B/s and 50 us into a switch that adds nothing), every host sends
 * `messagesPerHost` messages of `messageBytes` to pseudo-random peers, one
 * after the other (the next when the previous has arrived), all hosts at once.
 * A message crosses the sender's up link and the receiver's down link, after
 * both links' latency; links are shared max-min fairly.
 *
 * Peers come from xorshift32, seeded per sender, so that the C++ program
 * draws exactly the same ones: state = (seed x 2654435761 + (sender + 1) x
 * 40503) mod 2^32 (1 if that is 0); for each message, three shifts
 * (x ^= x << 13; x ^= x >> 17; x ^= x << 5, on 32 bits) and peer =
 * (sender + 1 + x mod (hosts - 1)) mod hosts, which is never the sender.
 */
import { Engine, definePlatform, type Platform } from '../src/index.js'

export interface MessageScenarioInit {
  hosts: number
  /** @default 100 */
  messagesPerHost?: number
  /** @default 1e6 (1 MB) */
  messageBytes?: number
  /** @default 1 */
  seed?: number
  /** Called at each arrival with the number of messages arrived so far (`message-phases.ts` times the run's slices with it). */
  onArrival?: (arrived: number) => void
}

export interface MessageScenarioResult {
  hosts: number
  messages: number
  /** Simulated time when the last message arrived, seconds. */
  simS: number
  /** Mean simulated time of the arrivals, seconds. */
  meanArrivalS: number
}

/** 1 GbE: bytes per second of each direction of a host's link. */
export const LINK_BPS = 125e6
/** Latency of each host's link, seconds (a message crosses two). */
export const LINK_LATENCY_S = 50e-6

/** The star platform of `hosts` hosts (no virtualization costs, TCP efficiency 1, as SimGrid's CM02 model without factors). */
export function messagePlatform (hosts: number): Platform {
  return definePlatform({
    name: `message-star-${hosts}`,
    network: { switchLatencyS: 0, tcpEfficiency: 1 },
    virtualization: { dom0DiskFlopsPerByte: 0, dom0NetFlopsPerByte: 0, diskLatencyS: 0, netLatencyS: 0 },
    pageCache: { dirtyRatio: 0.1, guestWorkingSetMiB: 128, dom0WorkingSetMiB: 256, nativeWorkingSetMiB: 512 },
    hostTypes: {
      t: {
        cores: 1, coreSpeedFlops: 1e9, memoryMiB: 1024, memoryBandwidthBps: 1e10, virtualized: false,
        disks: [{ capacityBytes: 1e12, readBps: 1e8, writeBps: 1e8 }],
        nic: { bandwidthBps: LINK_BPS, latencyS: LINK_LATENCY_S }
      }
    },
    hosts: [{ prefix: 'h', count: hosts, type: 't' }]
  })
}

/** The peers of `sender`, in the order it sends to them (see the module comment). */
export function peersOf (sender: number, hosts: number, count: number, seed: number): Uint32Array {
  let x = (Math.imul(seed >>> 0, 2654435761) + Math.imul(sender + 1, 40503)) >>> 0
  if (x === 0) x = 1
  const peers = new Uint32Array(count)
  for (let k = 0; k < count; k++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    peers[k] = (sender + 1 + x % (hosts - 1)) % hosts
  }
  return peers
}

/** Runs the scenario on `engine` (built on `messagePlatform(hosts)`); resolves when every message has arrived. */
export async function runMessages (engine: Engine, init: MessageScenarioInit): Promise<MessageScenarioResult> {
  const hosts = init.hosts
  const perHost = init.messagesPerHost ?? 100
  const bytes = init.messageBytes ?? 1e6
  const seed = init.seed ?? 1
  if (!Number.isInteger(hosts) || hosts < 2) throw new RangeError(`hosts: expected an integer >= 2, found ${hosts}`)
  const hs = engine.hosts()
  if (hs.length !== hosts) throw new RangeError(`expected an engine on a platform of ${hosts} hosts, found ${hs.length}`)
  const onArrival = init.onArrival
  let arrived = 0
  let arrivalSumS = 0
  for (let i = 0; i < hosts; i++) {
    const from = hs[i]!
    const peers = peersOf(i, hosts, perHost, seed)
    let k = 0
    const sendNext = (): void => {
      if (k > 0) {
        arrived++
        arrivalSumS += engine.nowS()
        if (onArrival !== undefined) onArrival(arrived)
      }
      if (k === perHost) return
      engine.comm({ from, to: hs[peers[k++]!]!, bytes }).onEnd(sendNext).start()
    }
    sendNext()
  }
  await engine.run()
  return { hosts, messages: arrived, simS: engine.nowS(), meanArrivalS: arrived === 0 ? 0 : arrivalSumS / arrived }
}

/** The whole scenario in a new engine. */
export async function messageScenario (init: MessageScenarioInit): Promise<MessageScenarioResult> {
  const engine = new Engine({ seed: init.seed ?? 1, platform: messagePlatform(init.hosts) })
  return await runMessages(engine, init)
}

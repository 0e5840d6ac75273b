/**
 * `SimCluster`: a simulated Xen cluster (one engine, one platform, one seed)
 * and a `HypervisorDriver` for each of its hosts.
 *
 * Modes:
 * - `live` (default): for callers that run in real time (the compliance
 *   suite, xenos-core's coordinators). The engine runs by itself; driver
 *   calls hold its clock except while they await simulated work (the rule
 *   is written in `control-plane.ts`). Call `close()` at the end.
 * - `manual`: for scripts and benchmarks that drive the engine themselves:
 *   issue driver calls, then `await cluster.settle(Promise.all(calls))`
 *   (or `engine.run()` once the calls have started their activities);
 *   driver calls take no hold.
 */
import { HypervisorError, type DriverFactory, type HypervisorDriver, type ImageTransferPort, type MigrationTarget } from '@xenos/hypervisor-interface'
import { Engine, HostNotFoundError, type CallStats, type Platform } from '@xenos/sim-engine'
import { ClusterFaults } from './cluster-faults.js'
import { ControlPlane, type Operation } from './control-plane.js'
import { guestModel, type GuestModel } from './guest-model.js'
import { HostState } from './host-state.js'
import { SimHypervisorDriver } from './sim-hypervisor-driver.js'
import { SimIds } from './sim-ids.js'
import { SimImageTransfer, type SimWaitGate } from '../images/image-transfer.js'

export interface SimClusterInit {
  /** The cluster to simulate (see `loadPlatform`). */
  platform: Platform
  /** Seed of the engine's random source. */
  seed: number
  /** `live` or `manual` (see the module comment). @default 'live' */
  mode?: 'live' | 'manual'
  /** Seed of where the hosts' files lie on their disks (the engine's `placementSeed`). @default seed */
  placementSeed?: number
  /** Keep the engine's event log. @default false */
  eventLog?: boolean
  /** Costs of booting, shutting down and dirtying memory (see `guest-model.ts`). */
  guest?: Partial<GuestModel>
  /**
   * Simulated latency of every driver call (the toolstack's own work, `xl`
   * and xenstore round trips), in seconds, paid before the call acts.
   * @default 0 (control-plane calls take no simulated time)
   */
  controlLatencyS?: number
  /**
   * Domain 0 CPU per byte of its own transfers in a migration (memory pages
   * and images: `xc_domain_save`'s page mapping and Domain 0's TCP stack),
   * charged on both hosts. @default the platform's `virtualization.dom0NetFlopsPerByte`
   */
  migrationDom0FlopsPerByte?: number
  /**
   * A real-time clock in milliseconds (for example `() => performance.now()`),
   * injected by the app to measure the control plane's real latency: how
   * long driver calls hold the simulated clock (`controlPlaneStats()`).
   * Simulated results never depend on it. @default none (no measurement)
   */
  wallClockMs?: () => number
}

export class SimCluster {
  readonly engine: Engine
  readonly faults: ClusterFaults
  readonly guest: GuestModel
  readonly mode: 'live' | 'manual'
  readonly controlLatencyS: number
  readonly migrationDom0FlopsPerByte: number
  /** @internal */
  readonly control: ControlPlane
  /** @internal */
  readonly ids: SimIds
  private readonly states = new Map<string, HostState>()
  private readonly byAddress = new Map<string, HostState>()
  private isClosed = false
  private transfers: SimImageTransfer | undefined

  constructor (init: SimClusterInit) {
    const mode = init.mode ?? 'live'
    if (mode !== 'live' && mode !== 'manual') throw new RangeError(`mode: expected "live" or "manual", found ${String(mode)}`)
    this.mode = mode
    this.guest = guestModel(init.guest)
    const latency = init.controlLatencyS ?? 0
    if (typeof latency !== 'number' || !(latency >= 0) || !Number.isFinite(latency)) {
      throw new RangeError(`controlLatencyS: expected a finite number >= 0, found ${String(latency)}`)
    }
    this.controlLatencyS = latency
    const fpb = init.migrationDom0FlopsPerByte ?? init.platform.virtualization.dom0NetFlopsPerByte
    if (typeof fpb !== 'number' || !(fpb >= 0) || !Number.isFinite(fpb)) {
      throw new RangeError(`migrationDom0FlopsPerByte: expected a finite number >= 0, found ${String(fpb)}`)
    }
    this.migrationDom0FlopsPerByte = fpb
    this.engine = new Engine({
      seed: init.seed,
      platform: init.platform,
      eventLog: init.eventLog ?? false,
      ...(init.placementSeed !== undefined ? { placementSeed: init.placementSeed } : {})
    })
    this.ids = new SimIds(this.engine.random.fork('sim-driver/ids'))
    if (init.wallClockMs !== undefined && typeof init.wallClockMs !== 'function') {
      throw new RangeError(`wallClockMs: expected a function returning milliseconds, found ${typeof init.wallClockMs}`)
    }
    this.control = new ControlPlane(this.engine, () => this.mode === 'live' && !this.isClosed, init.wallClockMs)
    this.engine.hosts().forEach((host, i) => {
      // 10.0.0.1, 10.0.0.2, ...: one private /8 address per host, in platform order.
      const n = i + 1
      const address = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
      const state = new HostState(host, [address])
      this.states.set(host.name, state)
      this.byAddress.set(address, state)
    })
    this.faults = new ClusterFaults(this.engine, name => this.hostState(name))
    if (mode === 'live') this.engine.startLive()
  }

  /**
   * Live mode: run a caller's own control-plane operation (for example a
   * coordinator's API request that makes several driver calls with real
   * network round trips between them) under the rule of `control-plane.ts`:
   * the clock is held while `body` runs, except inside `op.sim(promise)`,
   * which `body` wraps around every driver call and every other wait for
   * simulated work. Without it, simulated time may advance during the
   * caller's real-time work between two driver calls.
   */
  async operation<T> (label: string, body: (op: Operation) => Promise<T>): Promise<T> {
    return await this.control.run(label, body)
  }

  /**
   * How images travel between this cluster's hosts under xenos-core's
   * transfer algorithm (see `images/image-transfer.ts`): host `hostname`'s
   * image store as chunks, and requests as flows of the simulated network
   * to the other hosts of this cluster that serve chunks. `gate`: the clock
   * gate of real-time callers that hold the clock for their API calls (the
   * transfers of this host let it run while their bytes move).
   * `network: 'overlay'`: the store only (peers in other processes).
   */
  imagePort (hostname: string, options: { gate?: SimWaitGate, network?: 'simulated' | 'overlay' } = {}): ImageTransferPort {
    this.transfers ??= new SimImageTransfer(this)
    return this.transfers.port(hostname, options)
  }

  /** Real time driver calls held the simulated clock, per operation kind (live mode with `wallClockMs`). */
  controlPlaneStats (): CallStats[] { return this.control.stats() }

  /** Host names, in platform order. */
  hostnames (): string[] { return [...this.states.keys()] }

  /** A driver for `hostname` (`HostNotFoundError` if unknown). Each call makes a new driver over the same host state. */
  driver (hostname: string): SimHypervisorDriver {
    return new SimHypervisorDriver(this, this.hostState(hostname))
  }

  /** @internal */
  hostState (hostname: string): HostState {
    const s = this.states.get(hostname)
    if (s === undefined) throw new HostNotFoundError(hostname, this.hostnames())
    return s
  }

  /** @internal the host a migration target names (host name or address), if any. */
  resolve (target: MigrationTarget): HostState | undefined {
    return this.states.get(target.host) ?? this.byAddress.get(target.host)
  }

  /**
   * Manual mode: run the engine until `work` (driver calls issued by the
   * caller) settles, giving the JS event loop a turn between runs so that
   * async driver code reaches its next activity. Throws `SimStalledError`
   * when `work` is still pending and nothing is left to simulate.
   */
  async settle<T> (work: Promise<T>): Promise<T> {
    if (this.mode !== 'manual') throw new RangeError('settle: expected a manual-mode cluster, found a live one (it runs by itself)')
    let done = false
    work.then(() => { done = true }, () => { done = true })
    let idleTurns = 0
    while (!done) {
      // One turn of the JS event loop (not a timer: no real time is read or waited for).
      await new Promise<void>((resolve) => { setImmediate(resolve) })
      const before = this.engine.stats.events + this.engine.stats.flowCompletions
      await this.engine.run()
      const progressed = this.engine.stats.events + this.engine.stats.flowCompletions !== before
      idleTurns = progressed ? 0 : idleTurns + 1
      if (!done && idleTurns > 100) throw new SimStalledError(this.engine.nowS())
    }
    return await work
  }

  /** True once `close()` was called: drivers then answer `BackendUnavailableError`. */
  get closed (): boolean { return this.isClosed }

  /** Stop live mode; later driver calls answer `BackendUnavailableError`. Idempotent. */
  async close (): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    // Calls still waiting for simulated work would wait forever: they fail instead.
    this.control.cancelAll()
    if (this.mode === 'live') await this.engine.stopLive()
  }
}

/** `settle` found the awaited work pending with nothing left to simulate. */
export class SimStalledError extends HypervisorError {
  static override readonly code = 'ERR_SIM_STALLED'
  constructor (readonly atS: number) {
    super(`expected the awaited driver calls to settle, found them pending at t=${atS} s with no simulated work left`, SimStalledError.code)
    this.name = 'SimStalledError'
  }
}

export interface SimDriverInit {
  /** The cluster the host belongs to. */
  cluster: SimCluster
  /** Which of its hosts this driver controls. */
  hostname: string
}

/**
 * The house-style factory: `simDriver({ cluster, hostname })()` resolves to
 * the `HypervisorDriver` of that simulated host.
 */
export const simDriver: DriverFactory<SimDriverInit> = init => async () => {
  const driver: HypervisorDriver = init.cluster.driver(init.hostname)
  return driver
}

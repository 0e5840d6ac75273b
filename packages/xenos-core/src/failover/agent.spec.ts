import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../test/support/manual-clock.js'
import { FailoverAgent, supersedes, type CheckpointRef, type FailoverEvent, type FailoverMember, type GuardRecord, type LocalProtected } from './agent.js'
import { restartPolicy, type RestartPolicy } from './policy.js'
import { quorum } from './quorum.js'
import { rendezvousOrder } from './rendezvous.js'

describe('rendezvous order', () => {
  it('is the same whatever the order of the candidates, and removing one moves only the keys it was first for', () => {
    const hosts = ['h1', 'h2', 'h3', 'h4', 'h5']
    const keys = Array.from({ length: 200 }, (_, i) => `svc-${i}`)
    for (const k of keys) expect(rendezvousOrder(k, [...hosts].reverse())).toEqual(rendezvousOrder(k, hosts))
    const firsts = new Map(keys.map(k => [k, rendezvousOrder(k, hosts)[0]!]))
    const moved = keys.filter(k => rendezvousOrder(k, hosts.filter(h => h !== 'h3'))[0] !== firsts.get(k))
    expect(moved.length).toBeGreaterThan(0)
    expect(moved.every(k => firsts.get(k) === 'h3')).toBe(true)
    // every host is first for some keys
    expect(new Set(firsts.values()).size).toBe(5)
  })
})

describe('quorum', () => {
  it('needs more than half of the former peers, or exactly half holding the lowest name', () => {
    expect(quorum({ self: 'c', former: ['a', 'b', 'd', 'e'], reachable: ['d', 'e'] }).quorum).toBe(true)
    expect(quorum({ self: 'c', former: ['a', 'b', 'd', 'e'], reachable: ['d'] }).quorum).toBe(false)
    expect(quorum({ self: 'a', former: ['b'], reachable: [] }).quorum).toBe(true)
    expect(quorum({ self: 'b', former: ['a'], reachable: [] }).quorum).toBe(false)
    expect(quorum({ self: 'b', former: ['a', 'c', 'd'], reachable: ['c'] }).quorum).toBe(false)
    expect(quorum({ self: 'b', former: ['a', 'c', 'd'], reachable: ['a'] }).quorum).toBe(true)
  })
})

describe('supersedes', () => {
  it('an equal generation goes to the owner first in rendezvous order', () => {
    const [first, second] = rendezvousOrder('s', ['x', 'y'])
    expect(supersedes({ serviceId: 's', generation: 2, owner: second! }, { serviceId: 's', generation: 1, owner: first! })).toBe(true)
    expect(supersedes({ serviceId: 's', generation: 2, owner: first! }, { serviceId: 's', generation: 2, owner: second! })).toBe(true)
    expect(supersedes({ serviceId: 's', generation: 2, owner: second! }, { serviceId: 's', generation: 2, owner: first! })).toBe(false)
  })
})

/**
 * Agents on a manual clock. Who can reach whom is the test's: a host's view
 * of another is `alive` while both are up and not cut apart, then `failed`
 * after `detectMs` (the membership's declaration). Services are records
 * with a state; `active` copies are counted at every step, so a duplicate
 * cannot go unseen.
 */
class World {
  readonly clock = new ManualClock()
  readonly hosts = new Map<string, Host>()
  readonly events: Array<FailoverEvent & { host: string, atMs: number }> = []
  readonly detectMs = 3000
  maxActiveCopies = 0
  /** Guard records a host sent to itself (it must not: it is not its own guardian). */
  selfGuards = 0
  /** Fault knob: restoring a checkpoint fails everywhere (a damaged copy). */
  restoreFails = false

  add (name: string): Host {
    const h = new Host(this, name)
    this.hosts.set(name, h)
    return h
  }

  /** What `from` thinks of `to`. */
  view (from: Host, to: Host): FailoverMember['state'] {
    const t = this.clock.now()
    const downSince = Math.max(to.downSinceMs ?? -Infinity, from.cutFrom.get(to.name) ?? -Infinity)
    if (downSince === -Infinity) return 'alive'
    return t - downSince >= this.detectMs ? 'failed' : 'suspect'
  }

  reachable (from: Host, to: Host): boolean {
    return to.downSinceMs === undefined && from.downSinceMs === undefined && !from.cutFrom.has(to.name)
  }

  cut (a: Host[], b: Host[]): void {
    for (const x of a) for (const y of b) { x.cutFrom.set(y.name, this.clock.now()); y.cutFrom.set(x.name, this.clock.now()) }
  }

  heal (): void {
    for (const h of this.hosts.values()) h.cutFrom.clear()
  }

  activeCopies (id: string): number {
    return [...this.hosts.values()].filter(h => h.downSinceMs === undefined && h.services.get(id)?.state === 'running').length
  }

  async run (ms: number, ids: string[]): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      await this.clock.advance(100)
      for (const id of ids) this.maxActiveCopies = Math.max(this.maxActiveCopies, this.activeCopies(id))
    }
  }
}

interface Svc { id: string, policy: RestartPolicy, generation: number, state: 'running' | 'paused' | 'gone' }

class Host {
  readonly services = new Map<string, Svc>()
  readonly checkpoints = new Set<string>()
  readonly cutFrom = new Map<string, number>()
  downSinceMs: number | undefined
  /** Until then (ms on the clock), this host's membership knows no member (it has just started and not yet joined). */
  aloneUntilMs = -Infinity
  agent: FailoverAgent<{ id: string }>
  private cpSeq = 0

  constructor (private readonly world: World, readonly name: string) {
    this.agent = this.makeAgent()
  }

  makeAgent (): FailoverAgent<{ id: string }> {
    const w = this.world
    // a message takes 5 ms, so hosts that act at the same instant do not see each other's effects at once
    const peer = async (h: string): Promise<Host> => {
      await new Promise<void>(resolve => w.clock.setTimeout(() => { resolve() }, 5))
      const p = w.hosts.get(h)!
      if (!w.reachable(this, p)) throw new Error(`${h} unreachable from ${this.name}`)
      return p
    }
    return new FailoverAgent({ checkIntervalMs: 500, takeoverDelayMs: 2000, fenceAfterMs: 1000 }, {
      self: this.name,
      clock: w.clock,
      members: () => w.clock.now() < this.aloneUntilMs
        ? []
        : [...w.hosts.values()].filter(h => h !== this).map(h => ({ host: h.name, state: w.view(this, h), stateAgeMs: this.ageOf(h) })),
      local: {
        protectedServices: () => [...this.services.values()].map((s): LocalProtected<{ id: string }> => ({
          id: s.id, policy: s.policy, generation: s.generation, active: s.state !== 'gone', record: { id: s.id }
        })),
        checkpoint: async (id) => {
          const path = `checkpoints/${id}/${this.name}-${++this.cpSeq}`
          this.checkpoints.add(path)
          return { path, sizeBytes: 1000, takenAtMs: w.clock.now() } satisfies CheckpointRef
        },
        dropCheckpoint: async (_id, cp) => { this.checkpoints.delete(cp.path) },
        adopt: async (g: GuardRecord<{ id: string }>, generation, checkpoint) => {
          if (checkpoint !== undefined && !this.checkpoints.has(checkpoint)) throw new Error(`no checkpoint ${checkpoint} here`)
          if (checkpoint !== undefined && w.restoreFails) throw new Error(`checkpoint ${checkpoint} cannot be restored`)
          this.services.set(g.serviceId, { id: g.serviceId, policy: g.policy, generation, state: 'running' })
        },
        pause: async (id) => { this.services.get(id)!.state = 'paused' },
        unpause: async (id) => { this.services.get(id)!.state = 'running' },
        discard: async (id) => { this.services.delete(id) },
        candidates: async () => [...w.hosts.values()].filter(h => h !== this && w.view(this, h) === 'alive').map(h => h.name),
        fetchCheckpoint: async (g) => {
          const owner = w.hosts.get(g.owner)!
          if (!owner.checkpoints.has(g.checkpoint!.path)) throw new Error(`${g.owner} does not hold ${g.checkpoint!.path}`)
          const path = `copies/${g.serviceId}/${g.checkpoint!.path.split('/').at(-1)!}`
          this.checkpoints.add(path)
          return { path, bytes: g.checkpoint!.sizeBytes }
        },
        dropCopy: async (path) => { this.checkpoints.delete(path) }
      },
      peers: {
        guard: async (h, g) => {
          if (h === this.name) w.selfGuards++
          await (await peer(h)).agent.receiveGuard(structuredClone(g))
        },
        claims: async (h, ids) => (await peer(h)).agent.claimsFor(ids)
      },
      onEvent: (e) => { w.events.push({ ...e, host: this.name, atMs: w.clock.now() }) }
    })
  }

  private ageOf (h: Host): number {
    const since = Math.max(h.downSinceMs ?? -Infinity, this.cutFrom.get(h.name) ?? -Infinity)
    return since === -Infinity ? this.world.clock.now() : this.world.clock.now() - since - this.world.detectMs
  }

  /** The host's machine dies: its guests with it. */
  async crash (): Promise<void> {
    this.downSinceMs = this.world.clock.now()
    await this.agent.stop()
    for (const s of this.services.values()) s.state = 'gone'
  }

  /** The host boots again with its persisted records (a new agent). */
  async boot (): Promise<void> {
    this.downSinceMs = undefined
    this.agent = this.makeAgent()
    await this.agent.start()
  }
}

async function world (names: string[]): Promise<World> {
  const w = new World()
  for (const n of names) w.add(n)
  for (const h of w.hosts.values()) await h.agent.start()
  return w
}

const resume = restartPolicy({ mode: 'resume', checkpointIntervalS: 5, replicas: 2 })

describe('FailoverAgent', () => {
  it('a crashed host\'s service comes back on exactly one guardian, the first in order, from the latest checkpoint', async () => {
    const w = await world(['a', 'b', 'c', 'd', 'e'])
    const a = w.hosts.get('a')!
    a.services.set('s1', { id: 's1', policy: resume, generation: 1, state: 'running' })
    await w.run(12_000, ['s1'])
    const guard = w.events.filter(e => e.kind === 'guarded' && e.host === 'a').at(-1) as Extract<FailoverEvent, { kind: 'guarded' }>
    expect(guard.guardians).toEqual(rendezvousOrder('s1', ['b', 'c', 'd', 'e']).slice(0, 2))
    expect(w.events.filter(e => e.kind === 'guarded' && e.host === 'a').length).toBeGreaterThanOrEqual(3) // one per checkpoint interval
    await a.crash()
    await w.run(8000, ['s1'])
    const took = w.events.filter(e => e.kind === 'taken-over')
    expect(took).toHaveLength(1)
    expect(took[0]!.host).toBe(guard.guardians[0])
    const t = took[0] as Extract<FailoverEvent, { kind: 'taken-over' }>
    expect(t.generation).toBe(2)
    // resumed from the copy of the latest checkpoint: the work lost is at most one interval plus detection and delay
    expect(t.resumed).toBe(true)
    expect(t.workLostMs).toBeGreaterThan(0)
    expect(t.workLostMs).toBeLessThan(5000 + w.detectMs + 2000 + 1000)
    expect(w.hosts.get(took[0]!.host)!.checkpoints.size).toBeGreaterThan(0)
    expect(w.activeCopies('s1')).toBe(1)
    expect(w.maxActiveCopies).toBe(1)
    // the newcomer guards it afresh, on live hosts only
    const regard = w.events.filter(e => e.kind === 'guarded' && e.host === guard.guardians[0]).at(-1) as Extract<FailoverEvent, { kind: 'guarded' }>
    expect(regard.guardians).not.toContain('a')
    expect(regard.generation).toBe(2)
    // the newcomer was a guardian of generation 1: it tells the others of generation 2, not itself
    expect(w.selfGuards).toBe(0)
  })

  it('if the responsible guardian dies too, the next in order takes over', async () => {
    const w = await world(['a', 'b', 'c', 'd', 'e'])
    const a = w.hosts.get('a')!
    a.services.set('s1', { id: 's1', policy: resume, generation: 1, state: 'running' })
    await w.run(3000, ['s1'])
    const [first, second] = rendezvousOrder('s1', ['b', 'c', 'd', 'e'])
    await a.crash()
    await w.hosts.get(first!)!.crash()
    await w.run(10_000, ['s1'])
    const took = w.events.filter(e => e.kind === 'taken-over')
    expect(took.map(e => e.host)).toEqual([second])
    expect(w.activeCopies('s1')).toBe(1)
  })

  it('a partitioned owner fences itself before the majority takes over, and destroys its stale copy when the partition heals', async () => {
    const w = await world(['a', 'b', 'c', 'd', 'e'])
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(n => w.hosts.get(n)!)
    a!.services.set('s1', { id: 's1', policy: resume, generation: 1, state: 'running' })
    await w.run(3000, ['s1'])
    w.cut([a!, b!], [c!, d!, e!])
    // b may be a guardian, but without a quorum nobody on a's side acts
    await w.run(10_000, ['s1'])
    expect(w.events.some(ev => ev.kind === 'fenced' && ev.host === 'a')).toBe(true)
    const fencedAt = w.events.find(ev => ev.kind === 'fenced' && ev.host === 'a')!.atMs
    const takenAt = w.events.find(ev => ev.kind === 'taken-over')?.atMs
    const guardians = rendezvousOrder('s1', ['b', 'c', 'd', 'e']).slice(0, 2)
    if (guardians.some(g => g !== 'b')) {
      expect(takenAt).toBeDefined()
      expect(fencedAt).toBeLessThan(takenAt!)
    }
    expect(a!.services.get('s1')!.state).toBe('paused')
    w.heal()
    await w.run(3000, ['s1'])
    expect(w.events.some(ev => ev.kind === 'stale-discarded' && ev.host === 'a')).toBe(true)
    expect(a!.services.has('s1')).toBe(false)
    expect(w.activeCopies('s1')).toBe(1)
    expect(w.maxActiveCopies).toBe(1)
  })

  it('a cut-off owner that heals runs its copy on only once its guardians answer: a quorum that knows nothing of the takeover is not enough', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']
    const w = await world(names)
    const a = w.hosts.get('a')!
    const others = names.slice(1).map(n => w.hosts.get(n)!)
    a.services.set('s1', { id: 's1', policy: resume, generation: 1, state: 'running' })
    await w.run(3000, ['s1'])
    const guardedBy = (h: string, generation: number): string[] => (w.events.filter(e => e.kind === 'guarded' && e.host === h)
      .map(e => e as Extract<FailoverEvent, { kind: 'guarded' }>).filter(e => e.generation === generation).at(-1)?.guardians ?? [])
    const first = guardedBy('a', 1)
    expect(first).toHaveLength(2)
    w.cut([a], others)
    await w.run(10_000, ['s1'])
    const took = w.events.find(e => e.kind === 'taken-over')
    expect(took?.host).toBe(rendezvousOrder('s1', first)[0])
    // the partition heals, except between a and every host that knows of the takeover: a reaches a quorum all the same
    const knowing = new Set([...first, took!.host, ...guardedBy(took!.host, 2)])
    expect(knowing.size).toBeLessThanOrEqual(4)
    w.heal()
    w.cut([a], [...knowing].map(n => w.hosts.get(n)!))
    await w.run(5000, ['s1'])
    expect(w.events.filter(e => e.kind === 'unfenced' && e.host === 'a')).toHaveLength(0)
    expect(a.services.get('s1')!.state).toBe('paused')
    expect(w.maxActiveCopies).toBe(1)
    w.heal()
    await w.run(3000, ['s1'])
    expect(w.events.some(e => e.kind === 'stale-discarded' && e.host === 'a')).toBe(true)
    expect(a.services.has('s1')).toBe(false)
    expect(w.activeCopies('s1')).toBe(1)
    expect(w.maxActiveCopies).toBe(1)
  })

  it('a host that boots again learns its service was taken over and does not resurrect it', async () => {
    const w = await world(['a', 'b', 'c'])
    const b = w.hosts.get('b')!
    b.services.set('s1', { id: 's1', policy: restartPolicy({ mode: 'restart', replicas: 1 }), generation: 1, state: 'running' })
    await w.run(3000, ['s1'])
    await b.crash()
    await w.run(8000, ['s1'])
    expect(w.events.filter(e => e.kind === 'taken-over')).toHaveLength(1)
    // its record survived on disk: it comes back as active until the generations are compared
    b.services.get('s1')!.state = 'running'
    await b.boot()
    await w.run(2000, ['s1'])
    expect(b.services.has('s1')).toBe(false)
    expect(w.activeCopies('s1')).toBe(1)
  })

  it('a host that boots again before its membership knows anyone compares generations once a member answers, not never', async () => {
    const w = await world(['a', 'b', 'c'])
    const b = w.hosts.get('b')!
    b.services.set('s1', { id: 's1', policy: restartPolicy({ mode: 'restart', replicas: 1 }), generation: 1, state: 'running' })
    await w.run(3000, ['s1'])
    await b.crash()
    await w.run(8000, ['s1'])
    expect(w.events.filter(e => e.kind === 'taken-over')).toHaveLength(1)
    // its coordinator came back while its guest ran on (a coordinator restart), and it has not joined yet
    b.services.get('s1')!.state = 'running'
    b.aloneUntilMs = w.clock.now() + 3000
    await b.boot()
    await w.run(2000, ['s1'])
    expect(b.services.has('s1')).toBe(true)
    await w.run(2000, ['s1'])
    expect(w.events.some(e => e.kind === 'stale-discarded' && e.host === 'b')).toBe(true)
    expect(b.services.has('s1')).toBe(false)
    expect(w.activeCopies('s1')).toBe(1)
  })

  it('on a two-host pair, the host with the lower name takes over when the other dies; the other fences when cut off', async () => {
    const w = await world(['a', 'b'])
    const [a, b] = [w.hosts.get('a')!, w.hosts.get('b')!]
    b.services.set('s1', { id: 's1', policy: restartPolicy({ mode: 'restart', replicas: 1 }), generation: 1, state: 'running' })
    await w.run(2000, ['s1'])
    w.cut([a], [b])
    await w.run(8000, ['s1'])
    expect(b.services.get('s1')!.state).toBe('paused')
    expect(a.services.get('s1')!.state).toBe('running')
    expect(w.maxActiveCopies).toBe(1)
    w.heal()
    await w.run(2000, ['s1'])
    expect(b.services.has('s1')).toBe(false)
  })

  it('a checkpoint that cannot be restored: the service restarts from its template instead of staying down', async () => {
    const w = await world(['a', 'b', 'c'])
    w.restoreFails = true
    const a = w.hosts.get('a')!
    a.services.set('s1', { id: 's1', policy: resume, generation: 1, state: 'running' })
    await w.run(3000, ['s1'])
    await a.crash()
    await w.run(8000, ['s1'])
    const took = w.events.filter(e => e.kind === 'taken-over') as Array<Extract<FailoverEvent, { kind: 'taken-over' }>>
    expect(took).toHaveLength(1)
    expect(took[0]!.resumed).toBe(false)
    expect(took[0]!.workLostMs).toBeUndefined()
    expect(w.activeCopies('s1')).toBe(1)
  })
})

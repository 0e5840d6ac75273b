import { describe, expect, it } from 'vitest'
import { SimNet, type SimMember } from '../../../test/support/sim-net.js'
import type { SwimInit } from './swim.js'
import { suspicionMinMs, suspicionTimeoutMs } from './suspicion.js'
import { retransmitLimit } from './broadcasts.js'
import { parseRecord } from './records.js'

/** `n` members joined in a chain (each through the previous one), converged. */
async function cluster (n: number, init: SwimInit = {}, net = new SimNet()): Promise<{ net: SimNet, ms: SimMember[] }> {
  const ms: SimMember[] = []
  for (let i = 0; i < n; i++) ms.push(await net.add(init))
  ms.forEach((m, i) => { net.join(m, i === 0 ? undefined : ms[i - 1]) })
  await net.clock.until(() => ms.every(m => m.swim.members().length === n - 1), 120_000, `${n} members to know each other`)
  return { net, ms }
}

function statesOf (member: SimMember, target: SimMember): string[] {
  return member.transitions.filter(t => t.peerId === target.peerId).map(t => t.to)
}

describe('Swim on a simulated network', () => {
  it('spreads a join to every member by gossip, without waiting for a table exchange', async () => {
    const { net, ms } = await cluster(8, { pushPullIntervalMs: 3_600_000 })
    const joiner = await net.add({ pushPullIntervalMs: 3_600_000 })
    net.join(joiner, ms[3])
    // one table exchange with the member it joined through, then gossip: well under one probe interval
    const tookMs = await net.clock.until(() => ms.every(m => m.swim.get(joiner.peerId)?.state === 'alive'), 60_000, 'every member to know the joiner', 5)
    expect(tookMs).toBeLessThan(1000)
    expect(joiner.swim.members()).toHaveLength(8)
  })

  it('converges by table exchanges alone when every gossip message and probe is lost', async () => {
    const net = new SimNet()
    net.dropped.add('gossip')
    net.dropped.add('ping')
    net.dropped.add('ping-req')
    // no probes (they would suspect everyone): only joins' and periodic table exchanges carry records
    const { ms } = await cluster(8, { probeIntervalMs: 3_600_000, pushPullIntervalMs: 1000 }, net)
    expect(net.sent['gossip']).toBeGreaterThan(0) // gossip was tried and lost
    expect(ms.every(m => m.swim.members().every(i => i.state === 'alive'))).toBe(true)
  })

  it('suspects, then declares failed, a member cut off from all others, and keeps naming it as failed', async () => {
    const { net, ms } = await cluster(5)
    const [x, ...others] = ms as [SimMember, ...SimMember[]]
    net.partition([x], others)
    await net.clock.until(() => others.every(o => net.stateOf(o, x) === 'failed'), 120_000, 'the others to declare x failed')
    for (const o of others) {
      expect(statesOf(o, x).slice(-2)).toEqual(['suspect', 'failed'])
      expect(o.swim.failed().map(f => f.peerId)).toEqual([x.peerId])
      expect(o.swim.members().map(m => m.peerId)).not.toContain(x.peerId)
    }
    // the cut-off member sees the rest as failed too: it is not alone with nothing missing
    await net.clock.until(() => x.swim.failed().length === 4, 120_000, 'x to declare the others failed')
    // failure does not expire: ten minutes later x is still named
    await net.clock.advance(600_000)
    expect(others.every(o => o.swim.failed().map(f => f.peerId).includes(x.peerId))).toBe(true)
  })

  it('waits longer before declaring a failure that no other member confirms', async () => {
    // probes only from ms[0] (the others probe once an hour): a lone suspicion
    const net = new SimNet()
    const ms: SimMember[] = []
    for (let i = 0; i < 5; i++) ms.push(await net.add(i === 0 ? {} : { probeIntervalMs: 3_600_000 }))
    ms.forEach((m, i) => { net.join(m, i === 0 ? undefined : ms[i - 1]) })
    await net.clock.until(() => ms.every(m => m.swim.members().length === 4), 60_000, 'convergence')
    const [prober, x] = [ms[0]!, ms[4]!]
    net.partition([x], ms.slice(0, 4))
    await net.clock.until(() => net.stateOf(prober, x) === 'suspect', 60_000, 'x suspected')
    const lone = await net.clock.until(() => net.stateOf(prober, x) === 'failed', 120_000, 'x failed', 10)
    const n = 5
    const minMs = suspicionMinMs(4, n, 1000)
    // no confirmation: the longest suspicion (3 x the shortest) passed
    expect(lone).toBeGreaterThanOrEqual(3 * minMs - 50)
  })

  it('suspects nobody on probes that missed their deadline while its own process stood still (Lifeguard), and does once it runs freely', async () => {
    // probes only from the prober (the others probe once an hour), whose event loop is blocked for seconds at a time
    const net = new SimNet()
    let stalled = true
    const prober = await net.add({}, { stalledMs: () => stalled ? 5000 : 0 })
    const ms = [prober]
    for (let i = 0; i < 4; i++) ms.push(await net.add({ probeIntervalMs: 3_600_000 }))
    ms.forEach((m, i) => { net.join(m, i === 0 ? undefined : ms[i - 1]) })
    await net.clock.until(() => ms.every(m => m.swim.members().length === 4), 60_000, 'convergence')
    const x = ms[4]!
    net.partition([x], ms.slice(0, 4))
    await net.clock.advance(60_000) // x is probed several times, and never answers
    expect(net.sent['ping']).toBeGreaterThan(4)
    expect(statesOf(prober, x)).toEqual(['alive'])
    stalled = false
    await net.clock.until(() => net.stateOf(prober, x) === 'suspect', 60_000, 'x suspected once the prober runs freely')
  })

  it('lets a suspected member refute and stay alive, at a higher incarnation', async () => {
    const { net, ms } = await cluster(5)
    const [x, ...others] = ms as [SimMember, ...SimMember[]]
    const before = others[0]!.swim.get(x.peerId)!.incarnation
    net.partition([x], others)
    await net.clock.until(() => others.some(o => net.stateOf(o, x) === 'suspect'), 60_000, 'x suspected')
    net.partition([x], others, false)
    await net.clock.until(() => others.every(o => net.stateOf(o, x) === 'alive'), 60_000, 'x alive again everywhere')
    expect(others.every(o => !statesOf(o, x).includes('failed'))).toBe(true)
    expect(others[0]!.swim.get(x.peerId)!.incarnation).toBeGreaterThan(before)
  })

  it('counts a probe\'s deadline from an open connection: slow handshakes start no indirect probe and no suspicion', async () => {
    // handshakes three times as long as the probe timeout, as on a machine busy with many of them
    const net = new SimNet({ handshakeMs: 3000 })
    const { ms } = await cluster(6, {}, net)
    await net.clock.advance(30_000) // every member probes every other, over a new connection each time at first
    expect(net.handshakes).toBe(15)
    expect(net.sent['ping-req']).toBeUndefined()
    expect(ms.every(m => m.transitions.every(t => t.to === 'alive'))).toBe(true)
  })

  it('spreads joins through the one member every joiner connected to, at once, before any probe or table exchange', async () => {
    const net = new SimNet({ handshakeMs: 20 })
    const init = { probeIntervalMs: 3_600_000, pushPullIntervalMs: 3_600_000 }
    const seed = await net.add(init)
    const joiners: SimMember[] = []
    for (let i = 0; i < 40; i++) joiners.push(await net.add(init))
    net.join(seed)
    for (const j of joiners) net.join(j, seed)
    const all = [seed, ...joiners]
    const tookMs = await net.clock.until(() => all.every(m => m.swim.members().length === 40), 60_000, '41 members to know each other', 5)
    expect(tookMs).toBeLessThan(200)
    expect(net.handshakes).toBe(40) // nobody connected to anyone but the seed
  })

  it('does not gossip a join again once it was flooded to every neighbour', async () => {
    // every pair connected (connections are free), no probes and no table exchanges: only the join's own messages
    const { net, ms } = await cluster(8, { probeIntervalMs: 3_600_000, pushPullIntervalMs: 3_600_000 })
    await net.clock.advance(30_000)
    const before = net.sent['gossip'] ?? 0
    const joiner = await net.add({ probeIntervalMs: 3_600_000, pushPullIntervalMs: 3_600_000 })
    net.join(joiner, ms[3])
    await net.clock.until(() => ms.every(m => m.swim.get(joiner.peerId)?.state === 'alive'), 60_000, 'every member to know the joiner', 5)
    await net.clock.advance(30_000)
    // the member it joined through floods it to the 7 others, each of them to the 6 it did not come from and is not about,
    // the joiner floods the 8 it learnt to the 7 it did not learn them from; and the joiner announces itself
    const flood = 7 + 7 * 6 + 7
    expect((net.sent['gossip'] ?? 0) - before).toBeLessThanOrEqual(flood + retransmitLimit(4, 9))
    expect(joiner.swim.members()).toHaveLength(8)
  })

  it('floods joins to a neighbour one message at a time: those that arrive while one is in flight go together in the next', async () => {
    // 200 ms each way, ten joins through the seed 20 ms apart: a message to the neighbour takes 400 ms to be answered
    const net = new SimNet({ latencyMs: 200 })
    const init = { probeIntervalMs: 3_600_000, pushPullIntervalMs: 3_600_000 }
    const [seed, neighbour] = [await net.add(init), await net.add(init)]
    net.join(seed)
    net.join(neighbour, seed)
    await net.clock.until(() => seed.swim.members().length === 1, 10_000, 'the neighbour to join')
    const joiners: SimMember[] = []
    for (let i = 0; i < 10; i++) joiners.push(await net.add(init))
    const ids = new Set(joiners.map(j => j.peerId))
    let carriers = 0 // messages from the seed to the neighbour that carry joins
    const handle = neighbour.swim.handle.bind(neighbour.swim)
    neighbour.swim.handle = async (sender, frame) => {
      if (sender === seed.peerId && frame.updates.some(u => ids.has(u.peerId))) carriers++
      return await handle(sender, frame)
    }
    for (let i = 0; i < 10; i++) {
      net.join(joiners[i]!, seed)
      await net.clock.advance(20)
    }
    await net.clock.until(() => joiners.every(j => neighbour.swim.get(j.peerId)?.state === 'alive'), 30_000, 'the neighbour to know every joiner')
    // the first join alone, the nine that came while it was in flight together (one message per join before)
    expect(carriers).toBe(2)
  })

  it('declares a killed member (connection refused) failed at once, without a suspicion timeout', async () => {
    // a suspicion would take over an hour: only refused connections can fail x within the test
    const { net, ms } = await cluster(5, { suspicionMult: 4000 })
    const [x, observer, ...rest] = ms as [SimMember, SimMember, ...SimMember[]]
    net.kill(x)
    observer.swim.evidence(x.peerId) // its connection to x closed
    const tookMs = await net.clock.until(() => net.stateOf(observer, x) === 'failed', 10_000, 'x declared failed', 1)
    expect(tookMs).toBeLessThan(100)
    expect(statesOf(observer, x)).toEqual(['alive', 'failed'])
    expect(observer.swim.get(x.peerId)!.reason).toMatch(/connection refused/)
    // the declaration spreads; each member confirms it by its own refused probe
    await net.clock.until(() => rest.every(o => net.stateOf(o, x) === 'failed'), 10_000, 'every member to hold x failed', 1)
  })

  it('heals a partition on both sides within the redial interval', async () => {
    const { net, ms } = await cluster(6, { redialIntervalMs: 2000 })
    const side = ms.slice(0, 2)
    const rest = ms.slice(2)
    net.partition(side, rest)
    const split = (): boolean => rest.every(o => o.swim.failed().length === 2) && side.every(s => s.swim.failed().length === 4)
    await net.clock.until(split, 120_000, 'each side to declare the other failed')
    await net.clock.advance(60_000) // long enough for every redial to back off to its longest interval
    net.partition(side, rest, false)
    const whole = (): boolean => ms.every(m => m.swim.members().length === 5 && m.swim.members().every(i => i.state === 'alive'))
    const tookMs = await net.clock.until(whole, 30_000, 'every member alive again everywhere', 10)
    expect(tookMs).toBeLessThanOrEqual(2000 + 500)
    expect(ms.every(m => m.swim.failed().length === 0)).toBe(true)
  })

  it('does not fail a live member on a stale declaration (a healed host\'s), but checks it itself', async () => {
    const { net, ms } = await cluster(4)
    const [stale, observer, y] = ms as [SimMember, SimMember, SimMember]
    const record = observer.swim.get(y.peerId)!
    await observer.swim.handle(stale.peerId, {
      t: 'gossip', from: stale.swim.selfRecord(),
      updates: [{
        peerId: y.peerId, addrs: record.addrs, groups: record.groups, incarnation: record.incarnation,
        state: 'failed', by: stale.peerId, reason: 'seen from the other side of a partition'
      }]
    })
    expect(net.stateOf(observer, y)).toBe('suspect')
    await net.clock.until(() => ms.every(m => m === y || net.stateOf(m, y) === 'alive'), 30_000, 'y alive everywhere')
    expect(ms.every(m => !statesOf(m, y).includes('failed'))).toBe(true)
  })

  it('forgets a member that leaves gracefully instead of declaring it failed', async () => {
    const { net, ms } = await cluster(5)
    const [x, ...others] = ms as [SimMember, ...SimMember[]]
    const leaving = x.swim.leave()
    await net.clock.advance(100)
    await leaving
    await net.clock.until(() => others.every(o => o.swim.get(x.peerId) === undefined), 30_000, 'every member to forget x')
    expect(others.every(o => statesOf(o, x).at(-1) === 'left' && o.swim.failed().length === 0)).toBe(true)
  })

  it('removes a failed member from every table when an administrator says so', async () => {
    const { net, ms } = await cluster(5)
    const [x, admin, ...rest] = ms as [SimMember, SimMember, ...SimMember[]]
    net.kill(x)
    await net.clock.until(() => [admin, ...rest].every(o => net.stateOf(o, x) === 'failed'), 120_000, 'x failed everywhere')
    expect(admin.swim.remove(x.peerId)).toBe(true)
    await net.clock.until(() => [admin, ...rest].every(o => o.swim.get(x.peerId) === undefined && o.swim.failed().length === 0), 30_000, 'x removed everywhere')
    expect(admin.swim.remove(x.peerId)).toBe(false)
  })
})

describe('member names', () => {
  it('reach every table, also of members that never spoke to each other, and stay on failed and removed records', async () => {
    const net = new SimNet()
    const ms: SimMember[] = []
    for (let i = 0; i < 5; i++) ms.push(await net.add({}, { name: `host-${i}` }))
    ms.forEach((m, i) => { net.join(m, i === 0 ? undefined : ms[i - 1]) })
    await net.clock.until(() => ms.every(m => m.swim.members().length === 4), 60_000, 'convergence')
    for (const [i, m] of ms.entries()) {
      expect(m.swim.members().map(o => o.name).sort()).toEqual(ms.map((_, j) => `host-${j}`).filter(n => n !== `host-${i}`))
    }
    const [x, admin, ...rest] = ms as [SimMember, SimMember, ...SimMember[]]
    net.kill(x)
    await net.clock.until(() => [admin, ...rest].every(o => net.stateOf(o, x) === 'failed'), 120_000, 'x failed everywhere')
    expect([admin, ...rest].map(o => o.swim.failed()[0]?.name)).toEqual(['host-0', 'host-0', 'host-0', 'host-0'])
    expect(admin.transitions.find(t => t.peerId === x.peerId && t.to === 'failed')?.name).toBe('host-0')
    admin.swim.remove(x.peerId)
    await net.clock.until(() => rest.every(o => o.swim.get(x.peerId) === undefined), 30_000, 'x removed everywhere')
    expect(rest.map(o => o.transitions.findLast(t => t.peerId === x.peerId)).map(t => [t?.to, t?.name])).toEqual(rest.map(() => ['left', 'host-0']))
  })

  it('does not take its own failure handling an answer for the peer\'s: a table exchange whose reply a listener fails on rejects with that error', async () => {
    // only table exchanges carry records (gossip and probes are lost, probes and periodic exchanges rare)
    const net = new SimNet()
    for (const t of ['gossip', 'ping', 'ping-req'] as const) net.dropped.add(t)
    const quiet = { probeIntervalMs: 3_600_000, pushPullIntervalMs: 3_600_000 }
    const c = await net.add(quiet)
    const a = await net.add(quiet)
    net.join(c)
    net.join(a, c)
    await net.clock.until(() => a.swim.get(c.peerId)?.state === 'alive' && c.swim.get(a.peerId)?.state === 'alive', 60_000, 'a and c to know each other')
    const joiner = await net.add(quiet)
    net.join(joiner, c)
    await net.clock.until(() => c.swim.get(joiner.peerId)?.state === 'alive', 60_000, 'c to know the joiner')
    expect(a.swim.get(joiner.peerId)).toBeUndefined()
    const bug = new Error('a listener of this member failed')
    a.swim.onTransition((t) => { if (t.peerId === joiner.peerId) throw bug })
    // a learns of the joiner from the table c sends back: c answered, a's own listener failed
    let outcome: unknown
    void a.swim.sync({ peerId: c.peerId, addrs: [] }).then((ok) => { outcome = ok }, (err: unknown) => { outcome = err })
    await net.clock.until(() => outcome !== undefined, 60_000, 'the table exchange to end')
    expect(outcome).toBe(bug)
  })

  it('ignores a record whose name is not a short string', () => {
    const base = { peerId: '12D3KooWGRUVh2iZz2NmYjRNcGNcW5z8zYpGVmPbbrTU7u9mYsvu', addrs: [], groups: [], incarnation: 1, state: 'alive' }
    expect(parseRecord({ ...base, name: 'web-1' })?.name).toBe('web-1')
    expect(parseRecord(base)?.name).toBeUndefined()
    for (const name of ['', 42, 'x'.repeat(254)]) expect(parseRecord({ ...base, name })).toBeUndefined()
  })
})

describe('suspicion timeout (Lifeguard)', () => {
  it('falls from the longest to the shortest as independent confirmations arrive', () => {
    const timeouts = [0, 1, 2, 3, 4].map(c => suspicionTimeoutMs(4000, 12_000, 3, c))
    expect(timeouts[0]).toBe(12_000)
    expect(timeouts[3]).toBe(4000)
    expect(timeouts[4]).toBe(4000)
    for (let i = 1; i < timeouts.length; i++) expect(timeouts[i]!).toBeLessThanOrEqual(timeouts[i - 1]!)
    // nobody else could confirm: the shortest applies
    expect(suspicionTimeoutMs(4000, 12_000, 0, 0)).toBe(4000)
  })

  it('scales the shortest with log10 of the member count, and the transmissions of an update too', () => {
    expect(suspicionMinMs(4, 5, 1000)).toBe(4000)
    expect(suspicionMinMs(4, 100, 1000)).toBe(8000)
    expect(retransmitLimit(4, 13)).toBe(8)
    expect(retransmitLimit(4, 100)).toBe(12)
  })
})

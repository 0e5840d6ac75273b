/**
 * Groups (the paper's JXTA peer groups): services join groups named in their
 * config or at run time; a message published to a group reaches the hosts that
 * have a member in it and no other host.
 *
 * Each group is a floodsub topic `/xenos/group/<name>/1`. A host subscribes
 * while at least one of its services (or the host itself) is a member, so
 * floodsub never sends a group's messages to a host outside the group (it only
 * forwards to peers subscribed to the topic). Because floodsub forwards only
 * between subscribed neighbours, members of a group are connected to each
 * other directly: the membership table announces each host's groups and a
 * host dials the other members of its groups. Group membership is thus visible
 * overlay-wide (membership table) and locally (`localGroups()`, for the search
 * matcher).
 *
 * @example
 * ```ts
 * const groups = new Groups(node.libp2p, membership)
 * await groups.start()
 * await groups.join('hadoop', 'service-42')
 * groups.onMessage((m) => console.log(m.group, m.from, new TextDecoder().decode(m.data)))
 * await groups.publish('hadoop', new TextEncoder().encode('hello members'))
 * ```
 */
import type { Message } from '@libp2p/floodsub'
import { multiaddr } from '@multiformats/multiaddr'
import type { OverlayLibp2p } from './node.js'
import type { MemberInfo, Membership } from './membership/index.js'
import { InvalidArgumentError } from '../errors.js'
import { NotGroupMemberError } from './errors.js'

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
/** The member id used when the host itself (not one of its services) joins. */
export const HOST_MEMBER = 'host'

export function groupTopic (group: string): string {
  return `/xenos/group/${group}/1`
}

/** Throws InvalidArgumentError unless `group` is a valid group name. */
export function validateGroupName (group: unknown): string {
  if (typeof group !== 'string' || !GROUP_NAME.test(group)) {
    throw new InvalidArgumentError('group name', '1-64 characters of letters, digits, ".", "_" or "-" starting with a letter or digit', group)
  }
  return group
}

export interface GroupMessage {
  group: string
  /** Peer id of the publishing host (authenticated by the floodsub signature). */
  from: string
  data: Uint8Array
}

export interface GroupInfo {
  name: string
  /** Local members (service ids, or "host"). */
  localMembers: string[]
  /** Other hosts with members in the group, from the membership table. */
  remoteHosts: string[]
}

export interface GroupsInit {
  /** Largest message published to a group. @default 1048576 */
  maxMessageBytes?: number
}

export class Groups {
  private readonly local = new Map<string, Set<string>>()
  private readonly listeners = new Set<(m: GroupMessage) => void>()
  private readonly maxMessageBytes: number
  private unsubscribeMembership: (() => void) | undefined
  private running = false

  constructor (private readonly libp2p: OverlayLibp2p, private readonly membership: Membership, init: GroupsInit = {}) {
    this.maxMessageBytes = init.maxMessageBytes ?? 1024 * 1024
  }

  private readonly onPubsubMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (!msg.topic.startsWith('/xenos/group/') || msg.type !== 'signed') return
    // floodsub can hand a host its own message back when a neighbour forwards it
    if (msg.from.equals(this.libp2p.peerId)) return
    const group = msg.topic.slice('/xenos/group/'.length, -'/1'.length)
    if (!this.local.has(group)) return
    const message: GroupMessage = { group, from: msg.from.toString(), data: msg.data }
    for (const l of this.listeners) l(message)
  }

  async start (): Promise<void> {
    this.running = true
    this.libp2p.services.pubsub.addEventListener('message', this.onPubsubMessage)
    this.unsubscribeMembership = this.membership.onChange((_peerId, info) => {
      if (info !== undefined) this.connectToFellowMembers([info])
    })
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.unsubscribeMembership?.()
    this.libp2p.services.pubsub.removeEventListener('message', this.onPubsubMessage)
    if (this.libp2p.status === 'started') {
      for (const group of this.local.keys()) this.libp2p.services.pubsub.unsubscribe(groupTopic(group))
    }
  }

  /** Add `memberId` (a service id, or the host) to `group`, creating it if new. */
  async join (group: string, memberId: string = HOST_MEMBER): Promise<void> {
    validateGroupName(group)
    if (typeof memberId !== 'string' || memberId.length === 0) {
      throw new InvalidArgumentError('member id', 'a non-empty string', memberId)
    }
    let members = this.local.get(group)
    if (members === undefined) {
      members = new Set()
      this.local.set(group, members)
      this.libp2p.services.pubsub.subscribe(groupTopic(group))
      await this.membership.setLocalGroups(this.localGroups())
      this.connectToFellowMembers(this.membership.members())
    }
    members.add(memberId)
  }

  /** Remove `memberId` from `group`; leaving a group one is not in does nothing. */
  async leave (group: string, memberId: string = HOST_MEMBER): Promise<void> {
    validateGroupName(group)
    const members = this.local.get(group)
    if (members === undefined || !members.delete(memberId)) return
    if (members.size === 0) {
      this.local.delete(group)
      // a host that stopped meanwhile (a fetch ending after its overlay stopped) has nothing left to unsubscribe
      if (this.libp2p.status === 'started') this.libp2p.services.pubsub.unsubscribe(groupTopic(group))
      await this.membership.setLocalGroups(this.localGroups())
    }
  }

  /** Groups with at least one local member. */
  localGroups (): string[] {
    return [...this.local.keys()].sort()
  }

  /** Groups of one local member (for example a service's groups, for search). */
  groupsOf (memberId: string): string[] {
    return [...this.local].filter(([, m]) => m.has(memberId)).map(([g]) => g).sort()
  }

  /** Every group known here: local ones and those announced by other hosts. */
  list (): GroupInfo[] {
    const names = new Set(this.local.keys())
    const others = this.membership.members()
    for (const m of others) for (const g of m.groups) names.add(g)
    return [...names].sort().map(name => ({
      name,
      localMembers: [...(this.local.get(name) ?? [])].sort(),
      remoteHosts: others.filter(m => m.groups.includes(name)).map(m => m.peerId).sort()
    }))
  }

  /**
   * Publish `data` to the group's members on other hosts. The local host must
   * have a member in the group (as a JXTA peer must join a group to speak in
   * it). Returns the neighbours the message was sent to directly.
   */
  async publish (group: string, data: Uint8Array): Promise<{ recipients: string[] }> {
    validateGroupName(group)
    if (!this.local.has(group)) {
      throw new NotGroupMemberError(`publish to group "${group}": expected this host to have a member in the group, found none (join it first)`)
    }
    if (!(data instanceof Uint8Array) || data.byteLength > this.maxMessageBytes) {
      throw new InvalidArgumentError('group message', `at most ${this.maxMessageBytes} bytes`, data instanceof Uint8Array ? data.byteLength : typeof data)
    }
    const { recipients } = await this.libp2p.services.pubsub.publish(groupTopic(group), data)
    return { recipients: recipients.map(p => p.toString()) }
  }

  /** Peers currently known (by floodsub) to be subscribed to the group. */
  reachableMembers (group: string): string[] {
    return this.libp2p.services.pubsub.getSubscribers(groupTopic(validateGroupName(group))).map(p => p.toString()).sort()
  }

  onMessage (listener: (m: GroupMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Dial hosts sharing one of our groups, so the group's topic forms its own mesh. */
  private connectToFellowMembers (infos: MemberInfo[]): void {
    if (!this.running) return
    const connected = new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))
    for (const info of infos) {
      if (connected.has(info.peerId) || !info.groups.some(g => this.local.has(g))) continue
      const addrs = info.addrs.filter(a => a.endsWith(`/p2p/${info.peerId}`))
      if (addrs.length === 0) continue
      this.libp2p.dial(addrs.map(a => multiaddr(a)), { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
        // The member may be down; the next announcement of its presence retries.
        this.libp2p.logger.forComponent('xenos:groups').error('could not connect to group member %s: %e', info.peerId, err)
      })
    }
  }
}

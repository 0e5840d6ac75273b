/**
 * Swarms: the hosts fetching one image at the same time find each other, so
 * that each pulls chunks from the others as well as from the complete
 * holders, and serves what it already has (chunk-server.ts: an image being
 * fetched is on the shelf).
 *
 * A swarm is an overlay group named after the image's manifest hash
 * (`swarm-<first 56 hex digits>`). A fetcher joins the group when it starts
 * and leaves it when it ends; the membership table (membership.ts), which
 * floods each host's groups, tells every member who the others are, and
 * `onPeer` reports members that join later. No tracker: the group lives in
 * the presence records every host already floods, and joining costs one
 * presence flood. Which chunks a member has is asked of the member itself
 * (the chunk protocol's `have`), so the group carries no chunk bitmaps.
 *
 * Complete holders are not swarm members: they are found by a host search
 * (the coordinator's host records list the templates a host holds).
 *
 * @example
 * ```ts
 * const swarm = await joinSwarm({ groups: overlay.groups, membership: overlay.membership }, manifestHash)
 * try {
 *   await fetchImage({ transport, self: overlay.node.peerId }, { manifestHash, holders: seeds, swarm, shelf: overlay.shelf, openStore })
 * } finally {
 *   await swarm.leave()
 * }
 * ```
 */
import type { Swarm } from '@xenos/hypervisor-interface'
import type { Groups } from '../groups.js'
import type { Membership } from '../membership/index.js'
import { InvalidArgumentError } from '../../errors.js'

/** A swarm on the overlay (the contract's `Swarm`, with its group). */
export interface OverlaySwarm extends Swarm {
  /** The overlay group of the swarm. */
  readonly group: string
}

/** The member id under which a fetch joins its swarm's group. */
export const SWARM_MEMBER = 'image-fetch'

/** The overlay group of the swarm of the image `manifestHash`. */
export function swarmGroup (manifestHash: string): string {
  if (typeof manifestHash !== 'string' || !/^[0-9a-f]{64}$/.test(manifestHash)) {
    throw new InvalidArgumentError('manifest hash', '64 lowercase hex digits', manifestHash)
  }
  return `swarm-${manifestHash.slice(0, 56)}`
}

/**
 * Join the swarm of `manifestHash`: returns at once; members already known
 * are in `peers()`, later ones are reported by `onPeer` as their presence
 * records arrive.
 */
export async function joinSwarm (components: { groups: Groups, membership: Membership }, manifestHash: string): Promise<OverlaySwarm> {
  const { groups, membership } = components
  const group = swarmGroup(manifestHash)
  const inGroup = (): string[] => membership.members().filter(m => m.groups.includes(group)).map(m => m.peerId).sort()
  const listeners = new Set<(peerId: string) => void>()
  const known = new Set<string>()
  const unsubscribe = membership.onChange((peerId, info) => {
    if (info === undefined || !info.groups.includes(group) || known.has(peerId)) return
    known.add(peerId)
    for (const l of listeners) l(peerId)
  })
  await groups.join(group, SWARM_MEMBER)
  for (const p of inGroup()) known.add(p)
  let left = false
  return {
    group,
    peers: inGroup,
    onPeer (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async leave () {
      if (left) return
      left = true
      unsubscribe()
      listeners.clear()
      await groups.leave(group, SWARM_MEMBER)
    }
  }
}

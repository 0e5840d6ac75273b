/**
 * Turn a peer reference from the API (a peer id, or a multiaddr ending in
 * `/p2p/<peer id>`) into something libp2p can dial.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../errors.js'

export function dialTarget (ref: string): PeerId | Multiaddr {
  try {
    return ref.startsWith('/') ? multiaddr(ref) : peerIdFromString(ref)
  } catch (err) {
    throw new InvalidArgumentError('peer', `a peer id or a multiaddr (${(err as Error).message})`, ref, { cause: err })
  }
}

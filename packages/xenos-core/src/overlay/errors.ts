/**
 * Typed errors of the overlay, on the package's base `XenosError`: `name`
 * is the class's name (match on `err.name`), and the message says what was
 * expected and what was found.
 */
import { XenosError } from '../errors.js'

/** The peer identity file in the data directory is unreadable or corrupt. */
export class IdentityFileError extends XenosError {}

/** The swarm (pre-shared) key file is missing or not in the libp2p PSK format. */
export class SwarmKeyError extends XenosError {}

/** A frame on an overlay protocol stream was malformed or larger than allowed. */
export class FrameError extends XenosError {}

/** A remote operation did not finish before its deadline. */
export class OverlayTimeoutError extends XenosError {}

/** A remote peer answered with an error. */
export class RemoteError extends XenosError {}

/** The local host is not a member of the group it tried to publish to. */
export class NotGroupMemberError extends XenosError {}

/** A transferred chunk or manifest did not match its expected hash. */
export class IntegrityError extends XenosError {}

/**
 * The connection of a simultaneous dial that the two hosts do not keep: refused
 * by the host with the smaller peer id once its own dial opens, or abandoned by
 * the other once that one opened (see `overlay/simultaneous-dial.ts`).
 */
export class SimultaneousDialError extends XenosError {}

/** A transfer could not complete: no holder could supply some chunk. */
export class TransferError extends XenosError {}

/**
 * A member could not be reached: `kind` is `refused` (nothing listens at any
 * of its addresses: its process is gone), `timeout` (no answer before the
 * deadline: a partition, or a host too busy to answer) or `unreachable`
 * (no usable address, a reset, a protocol the peer does not speak).
 */
export class MemberUnreachableError extends XenosError {
  constructor (readonly peerId: string, readonly kind: 'refused' | 'timeout' | 'unreachable', message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

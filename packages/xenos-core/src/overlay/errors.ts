/**
 * Typed errors of the overlay. Each has `name` set so callers can match on
 * `err.name`, and a message saying what was expected and what was found.
 */

/** The peer identity file in the data directory is unreadable or corrupt. */
export class IdentityFileError extends Error {
  override name = 'IdentityFileError'
}

/** The swarm (pre-shared) key file is missing or not in the libp2p PSK format. */
export class SwarmKeyError extends Error {
  override name = 'SwarmKeyError'
}

/** An option passed to an overlay factory is invalid. */
export class OverlayConfigError extends Error {
  override name = 'OverlayConfigError'
}

/** A frame on an overlay protocol stream was malformed or larger than allowed. */
export class FrameError extends Error {
  override name = 'FrameError'
}

/** A remote operation did not finish before its deadline. */
export class OverlayTimeoutError extends Error {
  override name = 'OverlayTimeoutError'
}

/** A remote peer answered with an error. */
export class RemoteError extends Error {
  override name = 'RemoteError'
}

/** The local host is not a member of the group it tried to publish to. */
export class NotGroupMemberError extends Error {
  override name = 'NotGroupMemberError'
}

/** A transferred chunk or manifest did not match its expected hash. */
export class IntegrityError extends Error {
  override name = 'IntegrityError'
}

/** A transfer could not complete: no holder could supply some chunk. */
export class TransferError extends Error {
  override name = 'TransferError'
}

/**
 * A member could not be reached: `kind` is `refused` (nothing listens at any
 * of its addresses: its process is gone), `timeout` (no answer before the
 * deadline: a partition, or a host too busy to answer) or `unreachable`
 * (no usable address, a reset, a protocol the peer does not speak).
 */
export class MemberUnreachableError extends Error {
  override name = 'MemberUnreachableError'
  constructor (readonly peerId: string, readonly kind: 'refused' | 'timeout' | 'unreachable', message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

import type { Principal } from '../auth/principal.js'
import type { Credentials } from './credentials.js'

/** What a transport tells the dispatcher about one call. */
export interface CallContext {
  /** How the call arrived, for example `http` or `libp2p`. */
  transport: string
  /** The authenticated caller; absent when no valid credentials came with the call. */
  principal?: Principal
  /** The credentials that authenticated `principal` (a forwarded call carries them to the host that runs it). */
  credentials?: Credentials
  /** Why credentials that came with the call were refused (shown in the 401 fault). */
  authFailure?: string
  /** Remote IP address (HTTP) or multiaddr. */
  remoteAddress?: string
  /** Remote peer id (libp2p). */
  remotePeer?: string
  /** Aborted when the caller goes away. */
  signal?: AbortSignal
}

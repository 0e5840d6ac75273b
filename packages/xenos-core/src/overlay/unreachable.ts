/**
 * What a failed dial or call says about the peer: refused (nothing listens
 * at any of its addresses: its process is gone, a kill -9 looks like this),
 * timeout (no answer in time: a partition, or a peer too busy), or
 * unreachable (anything else: no address, a reset, an unknown protocol).
 */
import { MemberUnreachableError } from './errors.js'

/** Turn an error from libp2p (a dial, a stream) into a `MemberUnreachableError` naming the peer and what happened. */
export function unreachable (peerId: string, err: unknown, timeoutMs: number, phase: 'connect' | 'answer' = 'answer'): MemberUnreachableError {
  if (err instanceof MemberUnreachableError) return err
  const leaves = leafErrors(err)
  const text = err instanceof Error ? err.message : String(err)
  if (leaves.length > 0 && leaves.every(e => (e as NodeJS.ErrnoException).code === 'ECONNREFUSED')) {
    return new MemberUnreachableError(peerId, 'refused', `connection to ${peerId} refused at every address (${text})`, { cause: err })
  }
  if (leaves.some(e => ['OverlayTimeoutError', 'TimeoutError', 'AbortError'].includes(e.name))) {
    const what = phase === 'connect' ? `no connection to ${peerId}` : `no answer from ${peerId}`
    return new MemberUnreachableError(peerId, 'timeout', `${what} within ${timeoutMs} ms`, { cause: err })
  }
  return new MemberUnreachableError(peerId, 'unreachable', `${peerId} unreachable: ${text}`, { cause: err })
}

/** The innermost errors of an error tree (`errors` of an AggregateError, `cause` chains). */
function leafErrors (err: unknown, depth = 0): Error[] {
  if (!(err instanceof Error) || depth > 8) return []
  const nested: unknown[] = []
  if (Array.isArray((err as AggregateError).errors)) nested.push(...(err as AggregateError).errors)
  if (err.cause !== undefined && nested.length === 0) nested.push(err.cause)
  const leaves = nested.flatMap(e => leafErrors(e, depth + 1))
  return leaves.length > 0 ? leaves : [err]
}

/**
 * Coordinator records as XML-RPC values.
 */
import type { XmlRpcValue } from '../xmlrpc/values.js'

/** A plain JSON copy (drops `undefined` members) that XML-RPC can carry. */
export function toXmlRpc (value: unknown): XmlRpcValue {
  return JSON.parse(JSON.stringify(value ?? null)) as XmlRpcValue
}

/**
 * The chunk protocol's identity and wire statuses on libp2p (server:
 * chunk-server.ts, client: chunk-client.ts).
 */
import type { ChunkStatus } from '@xenos/hypervisor-interface'

export const CHUNK_PROTOCOL = '/xenos/chunks/1.0.0'

/** Largest request a holder reads (a waiting `have` names the wanted chunks: a bitmap of up to about 23,000 chunks). */
export const MAX_REQUEST_BYTES = 4096

/** Largest answer a client reads: a manifest of 1,048,576 chunks (about 70 MB of JSON). */
export const MAX_RESPONSE_BYTES = 80 * 1024 * 1024

/** The first byte of an answer. */
export const WIRE_STATUS: Readonly<Record<ChunkStatus, number>> = { 'ok': 0, 'error': 1, 'not-held': 2 }
const STATUS_OF_WIRE: readonly ChunkStatus[] = ['ok', 'error', 'not-held']

/** The status a wire byte names (`error` for an unknown byte). */
export function chunkStatusOf (byte: number): ChunkStatus {
  return STATUS_OF_WIRE[byte] ?? 'error'
}

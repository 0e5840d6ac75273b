/**
 * The cluster's pre-shared key file. Hosts holding the same swarm key can
 * connect; a host without it (or with another key) fails the handshake (see
 * admission.ts). Format (libp2p's private-network key, as go-ipfs/kubo):
 * three lines, `/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { SwarmKeyError } from './errors.js'

const HEADER = '/key/swarm/psk/1.0.0/'

/** Read and validate a swarm key file; returns the bytes pnet expects. */
export async function readSwarmKey (path: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new SwarmKeyError(`expected a readable swarm key file at ${path}, found: ${(err as Error).message}`)
  }
  return parseSwarmKey(text, path)
}

/** Validate swarm key text (see module comment) and return it as bytes. */
export function parseSwarmKey (text: string, source = 'swarm key'): Uint8Array {
  const lines = text.split(/\r?\n/).map(l => l.trim()).filter(l => l.length > 0)
  if (lines[0] !== HEADER) {
    throw new SwarmKeyError(`${source} line 1: expected "${HEADER}", found "${lines[0] ?? ''}"`)
  }
  if (lines[1] !== '/base16/') {
    throw new SwarmKeyError(`${source} line 2: expected "/base16/", found "${lines[1] ?? ''}"`)
  }
  if (lines[2] === undefined || !/^[0-9a-fA-F]{64}$/.test(lines[2])) {
    throw new SwarmKeyError(`${source} line 3: expected 64 hexadecimal digits, found "${lines[2] ?? ''}"`)
  }
  return new TextEncoder().encode(`${HEADER}\n/base16/\n${lines[2].toLowerCase()}`)
}

/** The 32 bytes of a swarm key file's text (validated as `parseSwarmKey` does). */
export function swarmKeyBytes (text: string, source = 'swarm key'): Uint8Array {
  const hex = new TextDecoder().decode(parseSwarmKey(text, source)).split('\n')[2]!
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Make the text of a new random swarm key. */
export function generateSwarmKeyText (): string {
  return `${HEADER}\n/base16/\n${randomBytes(32).toString('hex')}\n`
}

/** Write a new random swarm key file (mode 0600); fails if the file exists. */
export async function writeNewSwarmKey (path: string): Promise<void> {
  await writeFile(path, generateSwarmKeyText(), { mode: 0o600, flag: 'wx' })
}

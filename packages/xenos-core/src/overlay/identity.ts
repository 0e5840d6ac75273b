/**
 * The persistent peer identity: an Ed25519 private key kept in the data
 * directory as `peer-key` (libp2p protobuf encoding, file mode 0600). Created
 * on first start, reused afterwards, so a host keeps its peer id across
 * restarts and other hosts' bootstrap lists stay valid.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { IdentityFileError } from './errors.js'

/** File name of the identity inside the data directory. */
export const IDENTITY_FILE_NAME = 'peer-key'

/**
 * Load the private key from `dataDir/peer-key`, or create it (mode 0600) when
 * the file does not exist. A file readable by group or others is tightened to
 * 0600 (the key is secret; a copied data directory often loses its modes).
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE_NAME)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IdentityFileError(`expected a readable identity file at ${path}, found: ${(err as Error).message}`)
    }
    await mkdir(dataDir, { recursive: true })
    const key = await generateKeyPair('Ed25519')
    // 'wx' fails if another process created it meanwhile: never overwrite an identity.
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    return key
  }
  const mode = (await stat(path)).mode & 0o777
  if ((mode & 0o077) !== 0) await chmod(path, 0o600)
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityFileError(`expected a libp2p protobuf private key in ${path} (${bytes.length} bytes), found undecodable data: ${(err as Error).message}`)
  }
}

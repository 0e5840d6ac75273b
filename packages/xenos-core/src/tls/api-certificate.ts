/**
 * The API's generated certificate: made once in a directory (`cert.pem`,
 * `key.pem` with mode 0600) and reused at every start, so its fingerprint,
 * which clients pin, stays the same.
 */
import { X509Certificate } from 'node:crypto'
import { hostname, networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { readOptional, writeFileAtomic } from '../trust/files.js'
import { selfSignedCertificate, type Certificate } from './self-signed.js'

/** The names a certificate for an API listening on `host` covers: that address, this machine's names and addresses. */
export function apiCertificateNames (host: string): string[] {
  const addresses = Object.values(networkInterfaces()).flat().map(i => i?.address).filter((a): a is string => a !== undefined && !a.includes('%'))
  const any = host === '0.0.0.0' || host === '::'
  return [...new Set([...(any ? [] : [host]), hostname(), 'localhost', ...addresses])]
}

export async function loadOrCreateApiCertificate (dir: string, host: string): Promise<Certificate> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  const [cert, key] = [await readOptional(certFile), await readOptional(keyFile)]
  if (cert !== undefined && key !== undefined) return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 }
  const made = selfSignedCertificate({ commonName: hostname(), names: apiCertificateNames(host) })
  await writeFileAtomic(keyFile, made.key, 0o600)
  await writeFileAtomic(certFile, made.cert, 0o644)
  return made
}

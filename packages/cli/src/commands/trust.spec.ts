/**
 * `xenos hosts admit`: the record binds the host's name (from --name or the
 * host file's hostname), and no record is written without one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterAuthority, hostIdentityDir, parseSignedDocument, peerIdOfIdentity } from '@xenos/core'
import { UsageError } from '../errors.js'
import { buildProgram } from '../program.js'
import { trustCommands } from './trust.js'

let dir = ''
let peerId = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-trust-cli-'))
  await ClusterAuthority.create(join(dir, 'cluster'))
  peerId = await peerIdOfIdentity(hostIdentityDir(join(dir, 'data')))
  await writeFile(join(dir, 'host.yaml'), 'hostname: lab7\ndriver: { kind: sim }\ndataDir: data\nservicesDir: services\ncluster: cluster\n')
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function xenos (...args: string[]): Promise<string> {
  let out = ''
  const io = { out: (s: string) => { out += s }, err: (s: string) => { out += s } }
  await buildProgram([(p) => { trustCommands(p, io) }], io).parseAsync(['node', 'xenos', ...args])
  return out
}

describe('xenos hosts admit', () => {
  it('binds the host file\'s hostname in the record it writes', async () => {
    const out = await xenos('hosts', 'admit', '--cluster', join(dir, 'cluster'), '--config', join(dir, 'host.yaml'))
    expect(out).toMatch(new RegExp(`admitted ${peerId} \\(lab7\\) to cluster `))
    const doc = parseSignedDocument(await readFile(join(dir, 'data', 'admission.json'), 'utf8'), 'admission')
    expect(JSON.parse(Buffer.from(doc.payload, 'base64url').toString('utf8'))).toMatchObject({ peerId, name: 'lab7' })
  })

  it('refuses to admit a peer id without a name, as a usage error', async () => {
    const admit = xenos('hosts', 'admit', peerId, '--cluster', join(dir, 'cluster'))
    await expect(admit).rejects.toThrow(UsageError)
    await expect(admit).rejects.toThrow(/expected the host's name \(--name, or --config with a hostname\), found none/)
    expect(await xenos('hosts', 'admit', peerId, '--cluster', join(dir, 'cluster'), '--name', 'lab8')).toMatch(/^\{"payload":/)
  })
})

/**
 * Authorization, table-driven: every method of `system.listMethods`, called
 * as an anonymous caller, a user who does not own the target, a grantee, the
 * owner, an administrator and a peer coordinator, answers as the access
 * level docs/api.md gives it promises. The checker is driven to both
 * outcomes: the real table passes, and each deliberately wrong table entry
 * fails exactly on the calls its mistake lets through or shuts out.
 */
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { documentedAccess } from '../../src/api/api-doc.js'
import { registerApi, type ApiMethod, type ApiTable } from '../../src/api/method-table.js'
import { XENOS_API, XENOS_PREFIX } from '../../src/api/methods.js'
import type { AccessLevel } from '../../src/auth/authorizer.js'
import { MethodRegistry } from '../../src/xmlrpc/registry.js'
import { checkAccess, PRINCIPALS, type Fixture } from '../support/access-check.js'
import { ApiHarness } from '../support/api-harness.js'
import { testAuthenticate } from '../../src/testing/test-users.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { webTemplate } from '../support/harness.js'

const DOC = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8')
const users = { exists: (u: string): boolean => Object.values(PRINCIPALS).some(p => p.user === u) }

let h: ApiHarness
let fixtures: Record<string, Fixture>

beforeEach(async () => {
  h = new ApiHarness(new FakeCluster([{ name: 'h1', memoryMiB: 1 << 20 }, { name: 'h2', memoryMiB: 1 << 20 }]))
  await h.addApi('h1', [webTemplate('web')])
  await h.addApi('h2')
  const c = h.get('h1')
  /** A fresh service of h1 owned by alice and granted to carol, so calls that change or remove it do not disturb the next. */
  const target = async (): Promise<string> => {
    const s = await c.createInstance('web', { owner: PRINCIPALS.owner.user, groups: ['g1'] })
    await c.grant(s.id, PRINCIPALS.grantee.user)
    return s.id
  }
  const image = webTemplate('web').images[0]!.path
  fixtures = {
    'system.listMethods': () => [],
    'system.methodHelp': () => ['xenos.hostInfo'],
    'system.methodSignature': () => ['xenos.hostInfo'],
    'system.multicall': () => [[]],
    'xenos.hostInfo': () => [],
    'xenos.listServices': () => ['state=vanished'],
    'xenos.getService': async () => [await target()],
    'xenos.listTemplates': () => [],
    'xenos.searchServices': () => ['id=svc-none'],
    'xenos.searchHosts': () => [''],
    'xenos.startService': async () => [await target()],
    'xenos.stopService': async () => [await target()],
    'xenos.pauseService': async () => [await target()],
    'xenos.unpauseService': async () => [await target()],
    'xenos.destroyService': async () => [await target()],
    'xenos.checkpointService': async () => [await target()],
    'xenos.restoreService': async () => [await target()],
    'xenos.serviceStats': async () => [await target()],
    'xenos.setRestartPolicy': async () => [await target(), { mode: 'restart' }],
    'xenos.createInstance': () => ['web'],
    'xenos.replicateTemplate': () => ['web'],
    'xenos.migrateService': async () => [await target(), 'h2'],
    'xenos.grant': async () => [await target(), PRINCIPALS.user.user],
    'xenos.revoke': async () => [await target(), PRINCIPALS.grantee.user],
    'xenos.createGroup': () => ['g2'],
    'xenos.joinGroup': async () => [await target(), 'g3'],
    'xenos.leaveGroup': async () => [await target(), 'g1'],
    'xenos.listGroups': () => [],
    'xenos.publish': () => ['g1', 'hello'],
    'xenos.events': () => [0, 1],
    'xenos.reload': () => [],
    'xenos.listMembers': () => [],
    'xenos.removeMember': () => ['h2'],
    'xenos.forward': () => ['h1', 'xenos.hostInfo', []],
    'xenos.trust.publish': () => [{ payload: 'e30', signature: 'none' }],
    'xenos.trust.status': () => [],
    // the user's own credentials travel with a forwarded call; this host checks them itself
    'xenos.peer.invoke': () => ['Bearer tok-alice', 'xenos.hostInfo', []],
    'xenos.peer.exportTemplate': () => ['web'],
    'xenos.peer.imageInfo': () => [image],
    'xenos.peer.imageManifest': () => [image],
    'xenos.peer.prepareMigration': () => [{}],
    'xenos.peer.commitMigration': () => ['m-none', {}],
    'xenos.peer.migrationAdopted': () => ['svc-none'],
    'xenos.peer.migrationStatus': () => ['m-none'],
    'xenos.peer.abortMigration': () => ['m-none'],
    'xenos.peer.guardService': () => [{}],
    'xenos.peer.serviceClaims': () => [['svc-none']],
    'xenos.failoverStatus': () => []
  }
})
afterEach(async () => { await h.close() })

/** A registry serving `table` over h1's coordinator. */
function served (table: ApiTable): MethodRegistry {
  const registry = new MethodRegistry()
  registerApi(registry, table, XENOS_PREFIX, { coordinator: h.get('h1'), users, authenticate: async c => testAuthenticate(c) })
  return registry
}

function withAccess (key: keyof typeof XENOS_API, access: AccessLevel): ApiTable {
  return { ...XENOS_API, [key]: { ...(XENOS_API[key] as unknown as ApiMethod), access } }
}

describe('access to every method', () => {
  it('is what docs/api.md documents, for every kind of caller', async () => {
    const documented = documentedAccess(DOC)
    const registry = served(XENOS_API)
    const listed = registry.listMethods()
    expect([...documented.keys()].sort()).toEqual(listed)
    const { mismatches, calls } = await checkAccess(registry, documented, fixtures)
    expect(mismatches).toEqual([])
    expect(calls).toBe(listed.length * 6)
  })

  // Each wrong entry, and the calls it must be caught on (method:caller).
  const BROKEN: Array<[string, () => ApiTable, string[]]> = [
    ['stopService open to every user', () => withAccess('stopService', 'user'), ['xenos.stopService:user']],
    ['grant open to owners and grantees', () => withAccess('grant', 'owner'), ['xenos.grant:grantee', 'xenos.grant:owner']],
    ['the peer protocol open to users', () => withAccess('peer.exportTemplate', 'user'),
      ['xenos.peer.exportTemplate:user', 'xenos.peer.exportTemplate:grantee', 'xenos.peer.exportTemplate:owner', 'xenos.peer.exportTemplate:peer']],
    ['hostInfo without credentials', () => withAccess('hostInfo', 'anonymous'), ['xenos.hostInfo:anonymous', 'xenos.hostInfo:peer']],
    ['serviceStats for administrators only', () => withAccess('serviceStats', 'admin'), ['xenos.serviceStats:grantee', 'xenos.serviceStats:owner']],
    ['reload for peers', () => withAccess('reload', 'peer'), ['xenos.reload:peer']]
  ]
  for (const [bug, table, expected] of BROKEN) {
    it(`fails when ${bug}`, async () => {
      const { mismatches } = await checkAccess(served(table()), documentedAccess(DOC), fixtures)
      expect(mismatches.map(m => `${m.method}:${m.caller}`).sort()).toEqual([...expected].sort())
    })
  }

  it('fails for a method the doc does not document', async () => {
    const documented = documentedAccess(DOC)
    documented.delete('xenos.reload')
    const { mismatches } = await checkAccess(served(XENOS_API), documented, fixtures)
    expect(mismatches).toEqual([{ method: 'xenos.reload', caller: 'anonymous', expected: 'a documented level', found: 'level undefined' }])
  })

  it('refuses to register an owner-level method that names no target service', () => {
    const table = { ...XENOS_API, startService: { ...XENOS_API.startService, params: [] } } as unknown as ApiTable
    expect(() => served(table)).toThrow(/xenos.startService: expected an owner-level method to have a target service parameter/)
  })
})

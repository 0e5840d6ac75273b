/**
 * The configuration and auth building blocks fit the coordinator's ports (checked by the type
 * checker and at run time): the config loader is a `ServiceConfigSource`,
 * the query matcher a `QueryMatcher`, the id generator an `IdSource`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import type { IdSource, QueryMatcher, ServiceConfigSource } from '../coordinator/ports.js'
import { idGenerator } from '../ids.js'
import { queryMatcher } from '../search/query.js'
import { serviceConfigSource } from './service-loader.js'

it('plugs into the coordinator ports', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xenos-ports-'))
  try {
    await writeFile(join(dir, 's.yaml'), 'kind: service\nname: a\ntemplate: t\n')
    await writeFile(join(dir, 'bad.yaml'), 'kind: service\n')
    const source: ServiceConfigSource = serviceConfigSource(dir)
    const loaded = await source.load()
    expect(loaded.services.map(s => s.name)).toEqual(['a'])
    expect(loaded.problems.map(p => [p.file, p.field])).toEqual([[join(dir, 'bad.yaml'), 'name'], [join(dir, 'bad.yaml'), 'template']])
    const matcher: QueryMatcher = queryMatcher()
    expect(matcher.compile('state=running')({ state: 'running' })).toBe(true)
    const ids: IdSource = idGenerator({ peerId: 'p' })
    expect(ids.serviceId()).not.toBe(ids.serviceId())
    expect(ids.mac()).toMatch(/^00:16:3e(:[0-9a-f]{2}){3}$/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

/**
 * docs/api.md is generated from the method table: the checked-in file must
 * be what the table renders now (`npm run docs -w @xenos/core` rewrites it).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ApiDocMarkerError, documentedAccess, documentedMethods, renderApiDoc } from '../../src/api/api-doc.js'
import { XENOS_API, XENOS_METHODS } from '../../src/api/methods.js'

const DOC = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8')

describe('docs/api.md', () => {
  it('is current with the method table', () => {
    expect(renderApiDoc(DOC) === DOC, 'docs/api.md is out of date: run npm run docs -w @xenos/core').toBe(true)
  })

  it('documents every method with its access level, signature and help', () => {
    const access = documentedAccess(DOC)
    for (const m of documentedMethods()) {
      expect(access.get(m.name)).toBe(m.access)
      expect(DOC).toContain(`### ${m.name}\n`)
      expect(DOC).toContain(m.help)
    }
    for (const name of XENOS_METHODS) expect(access.has(name)).toBe(true)
    expect(access.get('xenos.stopService')).toBe(XENOS_API.stopService.access)
  })

  it('shows a changed table as a changed doc, and needs its markers', () => {
    const stale = DOC.replace('| `xenos.stopService` | `owner` |', '| `xenos.stopService` | `user` |')
    expect(stale).not.toBe(DOC)
    expect(renderApiDoc(stale)).toBe(DOC)
    expect(() => renderApiDoc(DOC.replace('<!-- end:methods -->', ''))).toThrow(ApiDocMarkerError)
  })
})

import { describe, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import type { ComplianceOptions } from './fixture.js'
import { SuiteContext } from './suite-context.js'
import { hostAndDomainTests } from './suites/host-and-domain.js'
import { lifecycleTests } from './suites/lifecycle.js'
import { accountingTests } from './suites/accounting.js'
import { storageTests } from './suites/storage.js'
import { checkpointTests } from './suites/checkpoint.js'
import { migrationTests } from './suites/migration.js'
import { reattachTests } from './suites/reattach.js'

/**
 * Registers the whole compliance suite (vitest `describe` blocks) for one
 * driver. Call it at the top level of a `*.spec.ts` file. Tests run in
 * order, one at a time, each removing the domains and images it made.
 * Domain names are `cx-<run>-<n>-<tag>`, so leftovers of a crashed run never
 * collide with a new one.
 */
export function runComplianceSuite (options: ComplianceOptions): void {
  if (typeof options?.name !== 'string' || typeof options.setup !== 'function') {
    throw new TypeError(`runComplianceSuite: expected { name: string, setup: () => Promise<fixture> }, found ${typeof options}`)
  }
  // the run id only keeps names unique between runs on one real host; it is not model randomness
  const s = new SuiteContext(options, randomBytes(3).toString('hex'))

  describe(`hypervisor compliance: ${options.name}`, () => {
    beforeAll(async () => {
      s.fixture = await options.setup()
      s.caps = s.fixture.driver.capabilities()
    }, s.timeoutMs)

    afterAll(async () => {
      if (s.fixture !== undefined) await options.teardown?.(s.fixture)
    }, s.timeoutMs)

    describe('host and domains', () => { hostAndDomainTests(s) })
    describe('life cycle', () => { lifecycleTests(s) })
    describe('accounting', () => { accountingTests(s) })
    describe('storage', () => { storageTests(s) })
    describe('checkpoint', () => { checkpointTests(s) })
    describe('migration', () => { migrationTests(s) })
    describe('reattach', () => { reattachTests(s) })
  })
}

import { it } from 'vitest'
import type { DriverCapabilities, DomainSpec, DomainInfo } from '@xenos/hypervisor-interface'
import type { ComplianceFixture, ComplianceOptions, SpecOptions } from './fixture.js'
import type { ClauseId } from './clauses.js'
import { Tracker } from './tracker.js'

/** A test body: gets the fixture and a helper bound to the test. */
export type TestBody = (t: TestKit) => Promise<void>

/** Why a test cannot run on this fixture (a missing capability or host), or undefined. */
export type Requirement = (caps: DriverCapabilities, fixture: ComplianceFixture) => string | undefined

/** What each test body works with. */
export interface TestKit {
  fixture: ComplianceFixture
  caps: DriverCapabilities
  /** A domain name unique to this run and test. */
  name: (tag: string) => string
  /** `fixture.makeSpec`, tracking the domain for clean-up. */
  spec: (name: string, options?: SpecOptions) => Promise<DomainSpec>
  /** Creates the domain from `makeSpec(name)` and starts it. */
  running: (name: string, options?: SpecOptions) => Promise<DomainInfo>
  /** A scratch image path, tracked for clean-up on the source driver. */
  imagePath: (name: string) => string
  checkpointPath: (name: string) => string
  tracker: Tracker
}

/** Registers tests for one fixture: titles, skipping by capability, clean-up. */
export class SuiteContext {
  fixture: ComplianceFixture | undefined
  caps: DriverCapabilities | undefined
  private counter = 0

  constructor (readonly options: ComplianceOptions, readonly runId: string) {}

  get timeoutMs (): number { return this.options.timeoutMs ?? 60_000 }

  /** Registers `[clause] title`, skipped when `skip` options or a requirement say so. */
  test (clause: ClauseId, title: string, body: TestBody, requires: Requirement[] = []): void {
    it(`[${clause}] ${title}`, async (ctx) => {
      const skipReason = Object.entries(this.options.skip ?? {}).find(([prefix]) => clause.startsWith(prefix))
      if (skipReason !== undefined) ctx.skip(`skipped by the fixture: ${skipReason[1]}`)
      const fixture = this.fixture
      const caps = this.caps
      if (fixture === undefined || caps === undefined) throw new Error('the fixture was not set up (setup failed?)')
      for (const requirement of requires) {
        const reason = requirement(caps, fixture)
        if (reason !== undefined) ctx.skip(reason)
      }
      const tracker = new Tracker()
      const testNo = ++this.counter
      const kit: TestKit = {
        fixture,
        caps,
        tracker,
        name: tag => `cx-${this.runId}-${testNo}-${tag}`,
        spec: async (name, options) => {
          tracker.domain(fixture.driver, name)
          if (fixture.target !== undefined) tracker.domain(fixture.target, name)
          const made = await fixture.makeSpec(name, options)
          for (const disk of made.disks) tracker.image(fixture.driver, disk.image)
          return made
        },
        running: async (name, options) => {
          const spec = await kit.spec(name, options)
          await fixture.driver.createDomain(spec)
          const started = await fixture.driver.startDomain(name)
          await fixture.guestReady?.(name)
          return started
        },
        imagePath: (name) => {
          const path = fixture.imagePath?.(name) ?? `compliance/${name}.img`
          tracker.image(fixture.driver, path)
          return path
        },
        checkpointPath: name => fixture.checkpointPath?.(name) ?? `compliance/${name}.ckpt`
      }
      let failure: unknown
      try {
        await body(kit)
      } catch (err) {
        failure = err
      }
      const cleanUpFailures = await tracker.cleanUp()
      if (failure !== undefined) throw failure
      if (cleanUpFailures.length > 0) {
        throw new AggregateError(cleanUpFailures, `the test passed but clean-up failed: ${cleanUpFailures.map(e => e.message).join('; ')}`)
      }
    }, this.timeoutMs)
  }
}

/** Requirement: a capability flag. */
export const needs = (flag: Exclude<keyof DriverCapabilities, 'storageMigration'>): Requirement =>
  caps => caps[flag] ? undefined : `driver lacks capability ${flag}`

/** Requirement: a migration target host in the fixture. */
export const needsTarget: Requirement = (_caps, fixture) =>
  fixture.target !== undefined && fixture.targetAddress !== undefined ? undefined : 'fixture has no migration target (target + targetAddress)'

/** Requirement: an unreachable target address in the fixture. */
export const needsUnreachable: Requirement = (_caps, fixture) =>
  fixture.unreachableTarget !== undefined ? undefined : 'fixture has no unreachableTarget'

import type { DomainSpec, HypervisorDriver, MigrationTarget } from '@xenos/hypervisor-interface'

/** Options for `makeSpec`: what the suite needs of a domain. */
export interface SpecOptions {
  /** Memory of the domain, in MiB. The fixture picks a small bootable size when absent. */
  memoryMiB?: number
  /** VCPUs. @default 1 */
  vcpus?: number
}

/**
 * What a driver under test hands the suite. Made once per suite by `setup`.
 *
 * Paths the suite makes (images, checkpoints) are produced by `imagePath` and
 * `checkpointPath`, so a backend can keep them where it must (for example a
 * checkpoint on Domain 0's own file system).
 */
export interface ComplianceFixture {
  /** The driver under test (the migration source). */
  driver: HypervisorDriver
  /** A second host of the same backend, the migration target. Migration tests are skipped without it. */
  target?: HypervisorDriver
  /** How `driver` reaches `target` in `migrateDomain`. Required with `target`. */
  targetAddress?: MigrationTarget
  /** An address where no host answers: a migration there must fail and leave the domain on the source. */
  unreachableTarget?: MigrationTarget
  /**
   * A bootable spec named `name` for this backend, its disk images already
   * created. Image paths must be valid on `target` too (same relative path),
   * so that migration can move them.
   */
  makeSpec: (name: string, options?: SpecOptions) => Promise<DomainSpec>
  /** Where the suite creates a scratch image called `name`. @default `compliance/${name}.img` */
  imagePath?: (name: string) => string
  /** Where the suite saves the checkpoint of domain `name`. @default `compliance/${name}.ckpt` */
  checkpointPath?: (name: string) => string
  /** Size of the scratch images the storage tests create, in bytes. @default 16 MiB */
  imageSizeBytes?: number
  /**
   * Resolves once the guest started in domain `name` has booted far enough to
   * answer the hypervisor (a PV or PVH guest acknowledges suspend and shutdown
   * requests only once its xenbus driver runs). The suite waits for it after
   * starting a domain for the clauses that save, migrate or shut it down, as a
   * controller waits before it checkpoints a guest. Omit it where a started
   * domain answers at once (the test doubles, the simulator).
   */
  guestReady?: (name: string) => Promise<void>
}

/** The one entry point: what `runComplianceSuite` needs. */
export interface ComplianceOptions {
  /** Shown as the suite's title, for example `xen-driver (xl test double)`. */
  name: string
  /** Makes the fixture; runs once before all tests. */
  setup: () => Promise<ComplianceFixture>
  /** Releases the fixture; runs once after all tests (the suite has already removed its own domains). */
  teardown?: (fixture: ComplianceFixture) => Promise<void>
  /** Per-test (and per-hook) timeout, in milliseconds. Real Xen under emulation needs minutes for a migration. @default 60000 */
  timeoutMs?: number
  /** Clause ids (or prefixes such as `migration.`) to leave out, each with a reason shown in the title. */
  skip?: Record<string, string>
}

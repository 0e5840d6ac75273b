/**
 * @packageDocumentation
 *
 * The compliance suite of the Xenos hypervisor driver contract. Every
 * backend (`@xenos/xen-driver` on `xl`, `@xenos/sim-driver` on a simulated
 * host) runs the same vitest suite through one small hook; tests skip by
 * `driver.capabilities()` and each title starts with the contract clause it
 * checks (`[lifecycle.pause] ...`, see `CLAUSES`).
 *
 * @example
 * ```ts
 * // packages/my-driver/test/compliance.spec.ts
 * import { runComplianceSuite } from '@xenos/hypervisor-compliance'
 * import { myDriver } from '../src/index.js'
 *
 * runComplianceSuite({
 *   name: 'my-driver',
 *   timeoutMs: 30_000,
 *   setup: async () => {
 *     const driver = await myDriver({ hostname: 'a' })({})
 *     return {
 *       driver,
 *       makeSpec: async (name) => {
 *         await driver.createImage(`images/${name}.img`, 64 * 1024 * 1024)
 *         return {
 *           name, vcpus: 1, memoryMiB: 128, nics: [],
 *           disks: [{ image: `images/${name}.img`, target: 'xvda' }],
 *           boot: { kind: 'pvh', kernel: '/boot/vmlinuz' }
 *         }
 *       }
 *     }
 *   },
 *   teardown: async ({ driver }) => { await driver.close() }
 * })
 * ```
 */
export { runComplianceSuite } from './run-compliance-suite.js'
export type { ComplianceFixture, ComplianceOptions, SpecOptions } from './fixture.js'
export { CLAUSES, type ClauseId } from './clauses.js'
export { expectRejects } from './expect-error.js'

// The whole compliance suite through xen-driver: against the xl test double
// by default, or against a real (or emulated) Xen host when XENOS_XEN_TARGET
// is set (see ../README.md, "Certifying a real host").
import { runComplianceSuite } from '@xenos/hypervisor-compliance'
import { doubleFixture } from './double-fixture.js'
import { realFixture, realHostConfigured } from './real-fixture.js'

if (realHostConfigured()) {
  runComplianceSuite({
    name: `xen-driver on real xl (${process.env.XENOS_XEN_TARGET})`,
    timeoutMs: Number(process.env.XENOS_XEN_TIMEOUT_MS ?? 600_000),
    // XENOS_XEN_SKIP="clause=reason,clause=reason" leaves clauses out, each with its reason shown
    skip: Object.fromEntries((process.env.XENOS_XEN_SKIP ?? '').split(',').filter(s => s.trim() !== '').map((s) => {
      const [clause, ...reason] = s.split('=')
      return [clause!.trim(), reason.join('=') || 'skipped by XENOS_XEN_SKIP']
    })),
    setup: realFixture
  })
} else {
  let dispose: (() => Promise<void>) | undefined
  runComplianceSuite({
    name: 'xen-driver on the xl test double (Xen 4.17)',
    timeoutMs: 30_000,
    setup: async () => {
      const fixture = await doubleFixture()
      dispose = async () => { await fixture.double.dispose() }
      return fixture
    },
    teardown: async () => { await dispose?.() }
  })
}

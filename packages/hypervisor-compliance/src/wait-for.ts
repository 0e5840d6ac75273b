import type { Clock } from '@xenos/hypervisor-interface'

/**
 * Polls `probe` on the driver's clock until it returns true or `timeoutS`
 * seconds of that clock pass; returns whether it became true. Real Xen frees
 * a destroyed domain's memory a moment after `xl destroy` returns.
 */
export async function waitFor (clock: Clock, probe: () => Promise<boolean>, timeoutS: number, intervalS = 0.25): Promise<boolean> {
  const deadline = clock.nowS() + timeoutS
  for (;;) {
    if (await probe()) return true
    if (clock.nowS() >= deadline) return false
    await clock.sleep(intervalS)
  }
}

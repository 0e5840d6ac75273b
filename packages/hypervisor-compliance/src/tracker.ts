import type { HypervisorDriver } from '@xenos/hypervisor-interface'

/**
 * Remembers the domains and images a test made, on which driver, and removes
 * them after the test whatever its outcome, so one failure does not cascade.
 */
export class Tracker {
  private readonly domains: Array<{ driver: HypervisorDriver, name: string }> = []
  private readonly images: Array<{ driver: HypervisorDriver, path: string }> = []

  domain (driver: HypervisorDriver, name: string): void {
    this.domains.push({ driver, name })
  }

  image (driver: HypervisorDriver, path: string): void {
    this.images.push({ driver, path })
  }

  /** Destroys and removes every tracked domain (with its images), then deletes tracked images. Returns the clean-up failures. */
  async cleanUp (): Promise<Error[]> {
    const failures: Error[] = []
    const domains = this.domains.splice(0)
    for (const { driver, name } of domains.reverse()) {
      try {
        const found = (await driver.listDomains()).find(d => d.name === name)
        if (found === undefined) continue
        // clean-up does not test idempotence: destroy only what is not stopped
        if (found.state !== 'stopped') await driver.destroyDomain(name)
        await driver.removeDomain(name, { deleteImages: true })
      } catch (err) {
        failures.push(new Error(`clean-up of domain ${name} on ${driver.hostname} failed: ${(err as Error).message}`, { cause: err }))
      }
    }
    for (const { driver, path } of this.images.splice(0).reverse()) {
      try {
        await driver.deleteImage(path)
      } catch (err) {
        failures.push(new Error(`clean-up of image ${path} on ${driver.hostname} failed: ${(err as Error).message}`, { cause: err }))
      }
    }
    return failures
  }
}

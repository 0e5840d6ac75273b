import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ComplianceFixture } from '@xenos/hypervisor-compliance'
import { xenDriver, type XenDriver } from '../src/index.js'
import { XlDouble } from './xl-double.js'

const MiB = 1024 * 1024

/** Two double hosts, h1 (the driver) and h2 (migration target), plus an address where no host answers. */
export async function doubleFixture (): Promise<ComplianceFixture & { double: XlDouble }> {
  const double = await XlDouble.create()
  await double.addHost('h1')
  await double.addHost('h2')
  const kernel = join(double.root, 'boot', 'vmlinuz')
  await mkdir(join(double.root, 'boot'), { recursive: true })
  await writeFile(kernel, 'not really a kernel')
  const make = async (host: string): Promise<XenDriver> => await xenDriver({
    imageDir: join(double.root, `images-${host}`),
    stateDir: join(double.root, `state-${host}`),
    xl: double.xl(host),
    xentop: double.xentop(host),
    // qemu-img when installed (Debian's qemu-utils): qcow2 and copy-on-write clones are then covered too
    migration: {
      sshCommand: '',
      receiver: t => `XL_DOUBLE_HOST=${t.host} xl migrate-receive`,
      targets: {
        h2: { imageDir: join(double.root, 'images-h2') },
        h1: { imageDir: join(double.root, 'images-h1') },
        nowhere: { imageDir: join(double.root, 'images-nowhere') }
      },
      timeoutS: 60
    }
  })()
  const driver = await make('h1')
  const target = await make('h2')
  return {
    double,
    driver,
    target,
    targetAddress: { host: 'h2' },
    unreachableTarget: { host: 'nowhere' },
    imageSizeBytes: 8 * MiB,
    makeSpec: async (name, options = {}) => {
      const image = `compliance/${name}.img`
      await driver.createImage(image, 8 * MiB)
      return {
        name, vcpus: options.vcpus ?? 1, memoryMiB: options.memoryMiB ?? 128,
        disks: [{ image, target: 'xvda' }],
        boot: { kind: 'pvh', kernel, cmdline: 'console=hvc0' },
        nics: [{ bridge: 'xenbr0' }]
      }
    }
  }
}

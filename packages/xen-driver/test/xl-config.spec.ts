import { describe, it, expect } from 'vitest'
import { validateDomainSpec } from '@xenos/hypervisor-interface'
import { xlConfig, macFor } from '../src/index.js'

const uuid = 'a06c84d7-762c-4a48-b89b-0b143c9afbbc'
const spec = validateDomainSpec({
  name: 'g1', vcpus: 2, memoryMiB: 128,
  disks: [{ image: 'g1.img', target: 'xvda' }, { image: 'data,1.img', target: 'xvdb', mode: 'ro' }],
  boot: { kind: 'pvh', kernel: '/guest/vmlinuz', ramdisk: '/guest/initrd.gz', cmdline: 'console=hvc0 panic=-1 quiet' },
  nics: [{ bridge: 'xenbr0', mac: '00:16:3e:00:00:01' }],
  annotations: { 'xen.tsc_mode': 'native', 'sim.dirtyRateBps': '1000', 'xen.cpus': '1' }
})

describe('xlConfig', () => {
  it('writes an xl.cfg(5) file: disk target last (it may hold commas), xen.* annotations only', () => {
    const text = xlConfig(spec, uuid, { disks: ['/img/g1.img', '/img/data,1.img'], kernel: '/guest/vmlinuz', ramdisk: '/guest/initrd.gz' })
    expect(text.split('\n')).toEqual([
      '# written by @xenos/xen-driver; edits are overwritten',
      'name = "g1"', `uuid = "${uuid}"`, 'type = "pvh"', 'memory = 128', 'maxmem = 128', 'vcpus = 2',
      'kernel = "/guest/vmlinuz"', 'ramdisk = "/guest/initrd.gz"', 'extra = "console=hvc0 panic=-1 quiet"',
      'disk = [ \'format=raw, vdev=xvda, access=rw, target=/img/g1.img\', \'format=raw, vdev=xvdb, access=ro, target=/img/data,1.img\' ]',
      'vif = [ \'mac=00:16:3e:00:00:01, bridge=xenbr0\' ]',
      'on_poweroff = "destroy"', 'on_reboot = "restart"', 'on_crash = "preserve"',
      'tsc_mode = "native"', 'cpus = 1', ''
    ])
  })

  it('leaves out empty disk and vif lists, and boot files for hvm', () => {
    const text = xlConfig({ ...spec, disks: [], nics: [], boot: { kind: 'hvm' }, annotations: {} }, uuid, { disks: [] })
    expect(text).not.toMatch(/disk|vif|kernel/)
    expect(text).toContain('type = "hvm"')
  })

  it('refuses values that would break out of a quoted string', () => {
    expect(() => xlConfig(spec, uuid, { disks: ['/img/g1.img\' ]\nkernel = \'/evil', '/img/b'] })).toThrow(/disks\[0\]\.image/)
    expect(() => xlConfig({ ...spec, annotations: { 'xen.extra': 'a"b' } }, uuid, { disks: ['/a', '/b'] })).toThrow(/annotations\.xen\.extra/)
  })

  it('derives stable MACs in 00:16:3e with the locally administered range untouched', () => {
    expect(macFor(uuid, 0)).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-7][0-9a-f]$/)
    expect(macFor(uuid, 0)).toBe(macFor(uuid, 0))
    expect(macFor(uuid, 1)).not.toBe(macFor(uuid, 0))
  })
})

import { describe, it, expect } from 'vitest'
import { validateDomainSpec, InvalidSpecError, transition, InvalidStateError } from './index.js'

const good = {
  name: 'web-1', vcpus: 1, memoryMiB: 384,
  disks: [{ image: 'images/web-1.img', target: 'xvda' }],
  boot: { kind: 'pvh', kernel: '/boot/vmlinuz' },
  nics: [{ bridge: 'xenbr0' }]
}

describe('validateDomainSpec', () => {
  it('fills in disk defaults', () => {
    const spec = validateDomainSpec(good)
    expect(spec.disks[0]).toEqual({ image: 'images/web-1.img', target: 'xvda', format: 'raw', mode: 'rw' })
  })

  it.each([
    ['name', { ...good, name: '-bad' }],
    ['vcpus', { ...good, vcpus: 0 }],
    ['memoryMiB', { ...good, memoryMiB: 1.5 }],
    ['disks[0].image', { ...good, disks: [{ image: '../etc/passwd', target: 'xvda' }] }],
    ['disks[0].target', { ...good, disks: [{ image: 'a.img', target: 'eth0' }] }],
    ['boot.kind', { ...good, boot: { kind: 'bios' } }],
    ['boot.cmdline', { ...good, boot: { kind: 'pv', kernel: 'k', cmdline: 'a"b' } }],
    ['nics[0].mac', { ...good, nics: [{ bridge: 'xenbr0', mac: 'zz' }] }]
  ])('names the bad field %s', (field, spec) => {
    try {
      validateDomainSpec(spec)
      expect.unreachable('should have thrown')
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidSpecError)
      expect((err as InvalidSpecError).field).toBe(field)
      expect((err as Error).message).toMatch(/expected .* found/)
    }
  })

  it('rejects two disks with one device name', () => {
    expect(() => validateDomainSpec({ ...good, disks: [{ image: 'a', target: 'xvda' }, { image: 'b', target: 'xvda' }] })).toThrow(InvalidSpecError)
  })
})

describe('transition', () => {
  it('follows the life cycle and names valid states on error', () => {
    expect(transition('d', 'start', 'stopped')).toBe('running')
    expect(transition('d', 'destroy', 'stopped')).toBe('noop')
    expect(() => transition('d', 'pause', 'stopped')).toThrow(InvalidStateError)
    expect(() => transition('d', 'pause', 'stopped')).toThrow(/expected state running or paused, found stopped/)
  })
})

import type { DomainSpec, DiskSpec, NicSpec, BootSpec } from './domain-spec.js'
import { InvalidSpecError } from './errors.js'

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i
const TARGET_RE = /^(xvd|hd|sd)[a-z]{1,2}$/

/** True when `name` is a valid domain name (see `DomainSpec.name`). */
export function isValidDomainName (name: unknown): name is string {
  return typeof name === 'string' && NAME_RE.test(name)
}

/** Throws `InvalidSpecError` naming the field unless `name` is a valid domain name. */
export function assertDomainName (name: unknown, field = 'name'): asserts name is string {
  if (!isValidDomainName(name)) {
    throw new InvalidSpecError(field, 'a domain name of 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit', name)
  }
}

/** Throws `InvalidSpecError` unless `path` is a non-empty path without NUL or `..` segments. */
export function assertImagePath (path: unknown, field = 'path'): asserts path is string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0') || path.split('/').includes('..')) {
    throw new InvalidSpecError(field, 'an image path without ".." segments', path)
  }
}

function assertInteger (value: unknown, field: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidSpecError(field, `an integer from ${min} to ${max}`, value)
  }
}

function validateDisk (disk: DiskSpec, i: number): void {
  const f = `disks[${i}]`
  if (typeof disk !== 'object' || disk === null) throw new InvalidSpecError(f, 'an object', disk)
  assertImagePath(disk.image, `${f}.image`)
  if (typeof disk.target !== 'string' || !TARGET_RE.test(disk.target)) throw new InvalidSpecError(`${f}.target`, 'a device name such as "xvda"', disk.target)
  if (disk.format !== undefined && disk.format !== 'raw' && disk.format !== 'qcow2') throw new InvalidSpecError(`${f}.format`, '"raw" or "qcow2"', disk.format)
  if (disk.mode !== undefined && disk.mode !== 'rw' && disk.mode !== 'ro') throw new InvalidSpecError(`${f}.mode`, '"rw" or "ro"', disk.mode)
}

function validateNic (nic: NicSpec, i: number): void {
  const f = `nics[${i}]`
  if (typeof nic !== 'object' || nic === null) throw new InvalidSpecError(f, 'an object', nic)
  if (typeof nic.bridge !== 'string' || !/^[A-Za-z0-9._-]{1,15}$/.test(nic.bridge)) {
    throw new InvalidSpecError(`${f}.bridge`, 'a bridge name of 1-15 characters', nic.bridge)
  }
  if (nic.mac !== undefined && (typeof nic.mac !== 'string' || !MAC_RE.test(nic.mac))) {
    throw new InvalidSpecError(`${f}.mac`, 'a MAC address such as "00:16:3e:12:34:56"', nic.mac)
  }
}

function validateBoot (boot: BootSpec): void {
  if (typeof boot !== 'object' || boot === null) throw new InvalidSpecError('boot', 'an object', boot)
  if (boot.kind === 'hvm') return
  if (boot.kind !== 'pv' && boot.kind !== 'pvh') throw new InvalidSpecError('boot.kind', '"pv", "pvh" or "hvm"', (boot as { kind?: unknown }).kind)
  assertImagePath(boot.kernel, 'boot.kernel')
  if (boot.ramdisk !== undefined) assertImagePath(boot.ramdisk, 'boot.ramdisk')
  if (boot.cmdline !== undefined && (typeof boot.cmdline !== 'string' || boot.cmdline.length > 1024 || /[\n\0"]/.test(boot.cmdline))) {
    throw new InvalidSpecError('boot.cmdline', 'a single-line string without double quotes, at most 1024 characters', boot.cmdline)
  }
}

/**
 * Validate a domain spec at a driver's boundary. Returns the spec with
 * defaults filled in (disk format `raw`, mode `rw`); throws `InvalidSpecError`
 * naming the first bad field.
 */
export function validateDomainSpec (spec: unknown): DomainSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidSpecError('spec', 'a domain spec object', spec)
  const s = spec as DomainSpec
  assertDomainName(s.name)
  assertInteger(s.vcpus, 'vcpus', 1, 512)
  assertInteger(s.memoryMiB, 'memoryMiB', 16, 16 * 1024 * 1024)
  if (!Array.isArray(s.disks)) throw new InvalidSpecError('disks', 'an array', s.disks)
  s.disks.forEach(validateDisk)
  const targets = new Set<string>()
  for (const d of s.disks) {
    if (targets.has(d.target)) throw new InvalidSpecError('disks', 'distinct device names', d.target)
    targets.add(d.target)
  }
  validateBoot(s.boot)
  if (!Array.isArray(s.nics)) throw new InvalidSpecError('nics', 'an array', s.nics)
  s.nics.forEach(validateNic)
  if (s.annotations !== undefined) {
    if (typeof s.annotations !== 'object' || s.annotations === null || Array.isArray(s.annotations)) {
      throw new InvalidSpecError('annotations', 'an object of strings', s.annotations)
    }
    for (const [k, v] of Object.entries(s.annotations)) {
      if (typeof v !== 'string') throw new InvalidSpecError(`annotations.${k}`, 'a string', v)
    }
  }
  return {
    ...s,
    disks: s.disks.map(d => ({ ...d, format: d.format ?? 'raw', mode: d.mode ?? 'rw' })),
    nics: s.nics.map(n => ({ ...n }))
  }
}

/** Throws `InvalidSpecError` unless `sizeBytes` is a positive safe integer. */
export function assertSizeBytes (sizeBytes: unknown, field = 'sizeBytes'): asserts sizeBytes is number {
  if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new InvalidSpecError(field, 'a positive integer number of bytes', sizeBytes)
  }
}

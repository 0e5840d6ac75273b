import { posix } from 'node:path'
import {
  ImageExistsError, ImageNotFoundError, InsufficientDiskError, UnsupportedOperationError,
  assertImagePath, assertSizeBytes, type CloneMode, type DiskFormat, type ImageInfo
} from '@xenos/hypervisor-interface'
import type { HostShell } from './host-shell.js'
import { XlCommandError, XlOutputError } from './errors.js'

/**
 * Disk images as files in Domain 0's image directory, handled with
 * coreutils (`stat`, `truncate`, `cp --sparse=always`, `rm`, `df`, `find`)
 * and, where installed, `qemu-img` for qcow2 and copy-on-write clones.
 * Relative paths are relative to `imageDir`; paths are reported as given.
 */
export class ImageStore {
  constructor (
    private readonly shell: HostShell,
    readonly imageDir: string,
    readonly hostname: string,
    /** `qemu-img` command, or undefined when not installed (no qcow2, no copy-on-write). */
    readonly qemuImg: string | undefined
  ) {}

  /** Absolute path in Domain 0 of a store path. */
  resolve (path: string, field = 'path'): string {
    assertImagePath(path, field)
    if (/['\n]/.test(path)) throw new ImageNotFoundError(path, this.hostname)
    return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(this.imageDir, path)
  }

  /** The store path to report for an absolute path (relative when inside the store). */
  relative (abs: string): string {
    const rel = posix.relative(this.imageDir, abs)
    return rel.startsWith('..') || posix.isAbsolute(rel) ? abs : rel
  }

  async exists (path: string): Promise<boolean> {
    const r = await this.shell.run(['test', '-f', this.resolve(path)])
    return r.exitCode === 0
  }

  async info (path: string): Promise<ImageInfo> {
    const abs = this.resolve(path)
    const st = await this.shell.run(['stat', '-L', '-c', '%s %b %B', abs])
    if (st.exitCode !== 0) {
      if (/No such file|cannot stat|cannot statx/.test(st.stderr)) throw new ImageNotFoundError(path, this.hostname)
      throw new XlCommandError(`stat ${abs}`, st.exitCode, st.stderr)
    }
    const m = /^(\d+) (\d+) (\d+)\s*$/.exec(st.stdout)
    if (m === null) throw new XlOutputError(`stat -c '%s %b %B' ${abs}`, st.stdout.trim(), '"size blocks blocksize"')
    const fileBytes = Number(m[1])
    const allocatedBytes = Number(m[2]) * Number(m[3])
    if (this.qemuImg !== undefined) {
      const q = await this.shell.run([this.qemuImg, 'info', '-U', '--output=json', abs])
      if (q.exitCode === 0) {
        let data: { 'format'?: string, 'virtual-size'?: number, 'backing-filename'?: string, 'full-backing-filename'?: string }
        try { data = JSON.parse(q.stdout) as typeof data } catch {
          throw new XlOutputError(`qemu-img info --output=json ${abs}`, q.stdout.split('\n')[0] ?? '', 'JSON')
        }
        if (data.format === 'qcow2') {
          const backing = data['full-backing-filename'] ?? data['backing-filename']
          return {
            path, sizeBytes: data['virtual-size'] ?? fileBytes, allocatedBytes, format: 'qcow2',
            ...(backing !== undefined ? { backingImage: this.relative(backing) } : {})
          }
        }
      }
    }
    return { path, sizeBytes: fileBytes, allocatedBytes, format: 'raw' }
  }

  async freeBytes (): Promise<{ totalBytes: number, freeBytes: number }> {
    const r = await this.shell.run(['df', '-P', '-B1', this.imageDir])
    const line = r.stdout.split('\n').filter(l => l.trim() !== '')[1]
    const m = line === undefined ? null : /^\S+\s+(\d+)\s+\d+\s+(\d+)\s/.exec(line)
    if (r.exitCode !== 0 || m === null) {
      throw new XlOutputError(`df -P -B1 ${this.imageDir}`, line ?? r.stderr.trim(), 'a df line "filesystem size used available ..."')
    }
    return { totalBytes: Number(m[1]), freeBytes: Number(m[2]) }
  }

  private async ensureFree (bytes: number): Promise<void> {
    const { freeBytes } = await this.freeBytes()
    if (bytes > freeBytes) throw new InsufficientDiskError(bytes, freeBytes, this.hostname)
  }

  private async ensureAbsent (path: string): Promise<void> {
    if (await this.exists(path)) throw new ImageExistsError(path, this.hostname)
  }

  private async must (argv: string[]): Promise<void> {
    const r = await this.shell.run(argv)
    if (r.exitCode !== 0) throw new XlCommandError(argv.join(' '), r.exitCode, r.stderr)
  }

  async create (path: string, sizeBytes: number, format: DiskFormat = 'raw'): Promise<ImageInfo> {
    assertSizeBytes(sizeBytes)
    const abs = this.resolve(path)
    if (format !== 'raw' && format !== 'qcow2') throw new UnsupportedOperationError(`createImage format ${String(format)}`, 'xen')
    await this.ensureAbsent(path)
    await this.ensureFree(sizeBytes)
    await this.must(['mkdir', '-p', posix.dirname(abs)])
    try {
      if (format === 'qcow2') {
        if (this.qemuImg === undefined) throw new UnsupportedOperationError('qcow2 images (qemu-img is not installed)', 'xen')
        await this.must([this.qemuImg, 'create', '-q', '-f', 'qcow2', abs, String(sizeBytes)])
      } else {
        await this.must(['truncate', '-s', String(sizeBytes), abs])
      }
    } catch (err) {
      await this.shell.run(['rm', '-f', abs])
      throw err
    }
    return await this.info(path)
  }

  async copy (source: string, destination: string): Promise<ImageInfo> {
    const src = await this.info(source)
    const dst = this.resolve(destination, 'destination')
    await this.ensureAbsent(destination)
    await this.ensureFree(src.allocatedBytes)
    await this.must(['mkdir', '-p', posix.dirname(dst)])
    try {
      await this.must(['cp', '--sparse=always', this.resolve(source), dst])
    } catch (err) {
      await this.shell.run(['rm', '-f', dst])
      throw err
    }
    return await this.info(destination)
  }

  async clone (template: string, destination: string, mode: CloneMode): Promise<ImageInfo> {
    if (mode === 'copy') return await this.copy(template, destination)
    if (mode !== 'cow') throw new UnsupportedOperationError(`cloneImage mode ${String(mode)}`, 'xen')
    if (this.qemuImg === undefined) throw new UnsupportedOperationError('copy-on-write clones (qemu-img is not installed)', 'xen')
    const tpl = await this.info(template)
    const dst = this.resolve(destination, 'destination')
    await this.ensureAbsent(destination)
    await this.must(['mkdir', '-p', posix.dirname(dst)])
    try {
      await this.must([this.qemuImg, 'create', '-q', '-f', 'qcow2', '-F', tpl.format, '-b', this.resolve(template), dst, String(tpl.sizeBytes)])
    } catch (err) {
      await this.shell.run(['rm', '-f', dst])
      throw err
    }
    return await this.info(destination)
  }

  async remove (path: string): Promise<void> {
    await this.must(['rm', '-f', this.resolve(path)])
  }

  async list (dir?: string): Promise<ImageInfo[]> {
    const base = dir === undefined ? this.imageDir : this.resolve(dir, 'dir')
    const r = await this.shell.run(['find', base, '-type', 'f'])
    if (r.exitCode !== 0) {
      if (/No such file/.test(r.stderr)) return []
      throw new XlCommandError(`find ${base} -type f`, r.exitCode, r.stderr)
    }
    const paths = r.stdout.split('\n').filter(l => l !== '').sort()
    const out: ImageInfo[] = []
    for (const abs of paths) {
      try { out.push(await this.info(this.relative(abs))) } catch (err) {
        if ((err as Error).name !== 'ImageNotFoundError') throw err // removed meanwhile: skip
      }
    }
    return out
  }
}

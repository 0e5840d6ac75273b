/**
 * TEST ONLY: a fake host whose image store is a real directory (as the xen
 * backend's is): image operations read and write files; domain operations
 * go to the in-memory `FakeCluster` driver.
 */
import { copyFile, mkdir, open, readdir, rm, stat } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { ImageExistsError, ImageNotFoundError, type HypervisorDriver, type ImageInfo } from '@xenos/hypervisor-interface'

export function fileStoreDriver (inner: HypervisorDriver, imageDir: string): HypervisorDriver {
  const file = (p: string): string => join(imageDir, p)
  const info = async (p: string): Promise<ImageInfo> => {
    try {
      const st = await stat(file(p))
      return { path: p, sizeBytes: st.size, allocatedBytes: st.blocks * 512, format: 'raw' }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ImageNotFoundError(p, inner.hostname)
      throw err
    }
  }
  const absent = async (p: string): Promise<void> => {
    try { await stat(file(p)) } catch { return }
    throw new ImageExistsError(p, inner.hostname)
  }
  async function walk (dir: string): Promise<string[]> {
    let entries
    try { entries = await readdir(dir, { withFileTypes: true }) } catch { return [] }
    const out: string[] = []
    for (const e of entries) {
      if (e.isDirectory()) out.push(...await walk(join(dir, e.name)))
      else if (!e.name.endsWith('.part') && !e.name.endsWith('.state')) out.push(relative(imageDir, join(dir, e.name)))
    }
    return out
  }
  return new Proxy(inner, {
    get (target, prop, receiver) {
      switch (prop) {
        case 'imageInfo': return info
        case 'createImage': return async (p: string, sizeBytes: number) => {
          await absent(p)
          await mkdir(dirname(file(p)), { recursive: true })
          const fh = await open(file(p), 'w')
          await fh.truncate(sizeBytes)
          await fh.close()
          return await info(p)
        }
        case 'copyImage':
        case 'cloneImage': return async (src: string, dest: string) => {
          await info(src)
          await absent(dest)
          await mkdir(dirname(file(dest)), { recursive: true })
          await copyFile(file(src), file(dest))
          return await info(dest)
        }
        case 'deleteImage': return async (p: string) => { await rm(file(p), { force: true }) }
        case 'listImages': return async (dir?: string) => await Promise.all((await walk(dir === undefined ? imageDir : file(dir))).map(info))
        default: return Reflect.get(target, prop, receiver) as unknown
      }
    }
  })
}

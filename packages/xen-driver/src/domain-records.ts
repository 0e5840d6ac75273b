import { mkdir, readFile, writeFile, rename, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DomainSpec } from '@xenos/hypervisor-interface'

/** What the driver keeps about a domain it defined: enough to start it again and to reattach. */
export interface DomainRecord {
  name: string
  uuid: string
  spec: DomainSpec
  /** Clock time of the last start or restore in this process, in seconds. */
  startedAtS?: number
}

/**
 * The driver's own records of defined domains, one JSON file per domain in
 * `stateDir/domains` (xl forgets a domain once it stops; the contract keeps
 * it `stopped`). Written atomically (temp file, then rename).
 */
export class DomainRecords {
  private readonly dir: string
  constructor (stateDir: string) { this.dir = join(stateDir, 'domains') }

  async init (): Promise<void> { await mkdir(this.dir, { recursive: true }) }

  private file (name: string): string { return join(this.dir, `${name}.json`) }

  async get (name: string): Promise<DomainRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(name), 'utf8')) as DomainRecord
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async put (record: DomainRecord): Promise<void> {
    const tmp = `${this.file(record.name)}.tmp`
    await writeFile(tmp, JSON.stringify(record, null, 2))
    await rename(tmp, this.file(record.name))
  }

  async delete (name: string): Promise<void> {
    await rm(this.file(name), { force: true })
  }

  async all (): Promise<DomainRecord[]> {
    const names = (await readdir(this.dir)).filter(f => f.endsWith('.json')).map(f => f.slice(0, -5))
    const records: DomainRecord[] = []
    for (const n of names.sort()) {
      const r = await this.get(n)
      if (r !== undefined) records.push(r)
    }
    return records
  }
}

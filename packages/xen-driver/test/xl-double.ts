import { mkdtemp, mkdir, writeFile, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Directory of the `xl` and `xentop` shims of the test double. */
export const DOUBLE_BIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../test-double/bin')

/** Settings of one simulated Xen host of the double. */
export interface DoubleHostInit {
  totalMiB?: number
  dom0MiB?: number
  nrCpus?: number
  xenVersion?: string
  bridges?: string[]
  shutdownMs?: number
  migrateMsPerGiB?: number
}

/** A temporary root of double hosts; `xl(host)` is the command for one of them. */
export class XlDouble {
  private constructor (readonly root: string) {}

  static async create (): Promise<XlDouble> {
    const root = await mkdtemp(join(tmpdir(), 'xl-double-'))
    // the shims run the project's node and find `xl` for migrate-receive on PATH
    if (!(process.env.PATH ?? '').split(':').includes(DOUBLE_BIN)) process.env.PATH = `${DOUBLE_BIN}:${process.env.PATH ?? ''}`
    process.env.XL_DOUBLE_ROOT = root
    process.env.XL_DOUBLE_NODE = process.execPath // the shims run the Node that runs the tests
    return new XlDouble(root)
  }

  async addHost (name: string, init: DoubleHostInit = {}): Promise<void> {
    await mkdir(join(this.root, name), { recursive: true })
    await writeFile(join(this.root, name, 'host.json'), JSON.stringify({
      hostname: name, totalMiB: init.totalMiB ?? 2048, dom0MiB: init.dom0MiB ?? 512, nrCpus: init.nrCpus ?? 2,
      cpuMhz: '2394.454', xenVersion: init.xenVersion ?? '4.17.3', bridges: init.bridges ?? ['xenbr0'],
      shutdownMs: init.shutdownMs ?? 200, migrateMsPerGiB: init.migrateMsPerGiB ?? 400
    }))
  }

  /** The `xl` command for a host (XL_DOUBLE_HOST set through env, no shell). */
  xl (host: string): string[] { return ['env', `XL_DOUBLE_HOST=${host}`, 'xl'] }
  xentop (host: string): string[] { return ['env', `XL_DOUBLE_HOST=${host}`, 'xentop'] }

  /** Arms faults (see test-double/README.md). */
  async faults (list: Array<{
    command: string
    host?: string
    mode: 'fail' | 'hang' | 'garbage'
    times?: number
    stderr?: string
    exitCode?: number
    line?: string
  }>): Promise<void> {
    await writeFile(join(this.root, 'faults.json'), JSON.stringify(list))
  }

  async clearFaults (): Promise<void> { await rm(join(this.root, 'faults.json'), { force: true }) }

  /** Makes a guest crash (with on_crash = "preserve" it stays, shut down with reason crash). */
  async crash (host: string, domain: string): Promise<void> {
    const file = join(this.root, host, 'state.json')
    const state = JSON.parse(await readFile(file, 'utf8')) as { domains: Array<{ name: string, crashed: boolean }> }
    const d = state.domains.find(x => x.name === domain)
    if (d === undefined) throw new Error(`expected domain ${domain} on double host ${host}, found none`)
    d.crashed = true
    await writeFile(file, JSON.stringify(state))
  }

  async dispose (): Promise<void> { await rm(this.root, { recursive: true, force: true }) }
}

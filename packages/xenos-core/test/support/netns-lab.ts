/**
 * TEST ONLY: hosts in Linux network namespaces, one overlay process per
 * namespace, so that partitions and kill -9 are real: a "switch" namespace
 * holds a bridge, each host namespace a veth to it (10.77.0.<i+1>/24).
 * Cutting a host takes its port off the bridge (its packets go nowhere,
 * nothing is refused: a partition); killing its process with SIGKILL leaves
 * its kernel to refuse connections. Only these namespaces carry the
 * traffic; nothing is created in the namespace the tests run in. The hosts
 * form a closed overlay: the lab makes a cluster and each host is admitted
 * to it. Needs root
 * (CAP_SYS_ADMIN and CAP_NET_ADMIN); `netnsUnavailable()` says why not.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClusterAuthority } from '../../src/trust/index.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const pkg = join(here, '..', '..')

/** Why network namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  const name = `xmprobe${process.pid}`
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' })
  if (add.error !== undefined) return `the ip command is not available (${add.error.message})`
  if (add.status !== 0) return `ip netns add failed (${add.stderr.trim()}): creating network namespaces needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN`
  const veth = spawnSync('ip', ['-n', name, 'link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'], { encoding: 'utf8' })
  spawnSync('ip', ['netns', 'del', name])
  if (veth.status !== 0) return `veth pairs cannot be created (${veth.stderr.trim()})`
  return undefined
}

function ip (args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: expected success, found exit ${r.status}: ${r.stderr.trim()}`)
}

/** A line-oriented JSON conversation with one child: requests `{ id, cmd, ... }`, answers `{ id, result | error }`. */
export class OverlayChild {
  readonly peerId: string
  readonly addrs: string[]
  private seq = 0
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  private stderr = ''
  readonly exited: Promise<number | null>

  constructor (
    readonly index: number, private readonly child: ChildProcessWithoutNullStreams, hello: { peerId: string, addrs: string[] }, lines: AsyncIterator<string>
  ) {
    this.peerId = hello.peerId
    this.addrs = hello.addrs
    child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000) })
    this.exited = new Promise(resolve => child.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`host ${index} exited (${String(code)}): ${this.stderr}`))
      this.waiting.clear()
      resolve(code)
    }))
    void (async () => {
      for (;;) {
        const next = await lines.next()
        if (next.done === true) return
        const msg = JSON.parse(next.value) as { id: number, result?: unknown, error?: string }
        const w = this.waiting.get(msg.id)
        this.waiting.delete(msg.id)
        if (msg.error !== undefined) w?.reject(new Error(msg.error))
        else w?.resolve(msg.result)
      }
    })()
  }

  async request<T> (cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.seq
    const answer = new Promise<T>((resolve, reject) => { this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }) })
    this.child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`)
    return await answer
  }

  /** SIGKILL: no leave, no close; the kernel refuses connections to its port from now on. */
  kill (): void {
    this.child.kill('SIGKILL')
  }

  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.stdin.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await this.exited
    clearTimeout(timer)
  }
}

async function* linesOf (child: ChildProcessWithoutNullStreams): AsyncGenerator<string> {
  let buf = ''
  for await (const chunk of child.stdout) {
    buf += (chunk as Buffer).toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line.startsWith('{')) yield line
    }
  }
}

export class NetnsLab {
  private readonly prefix = `xm${process.pid}`
  readonly children: OverlayChild[] = []

  private constructor (readonly count: number, private readonly dir: string) {}

  /** Namespaces for `count` hosts on one bridge. */
  static async create (count: number): Promise<NetnsLab> {
    const lab = new NetnsLab(count, await mkdtemp(join(tmpdir(), 'xenos-netns-')))
    try {
      await ClusterAuthority.create(lab.clusterDir)
      const sw = lab.ns('sw')
      ip(['netns', 'add', sw])
      ip(['-n', sw, 'link', 'add', 'name', 'br0', 'type', 'bridge'])
      ip(['-n', sw, 'link', 'set', 'br0', 'up'])
      for (let i = 0; i < count; i++) {
        const h = lab.ns(`h${i}`)
        ip(['netns', 'add', h])
        ip(['-n', h, 'link', 'add', 'name', 'eth0', 'type', 'veth', 'peer', 'name', `h${i}`, 'netns', sw])
        ip(['-n', h, 'addr', 'add', `${lab.addr(i)}/24`, 'dev', 'eth0'])
        ip(['-n', h, 'link', 'set', 'eth0', 'up'])
        ip(['-n', h, 'link', 'set', 'lo', 'up'])
        ip(['-n', sw, 'link', 'set', `h${i}`, 'master', 'br0'])
        ip(['-n', sw, 'link', 'set', `h${i}`, 'up'])
      }
    } catch (err) {
      await lab.destroy()
      throw err
    }
    return lab
  }

  /** The lab's cluster (its admission key admits each host). */
  get clusterDir (): string {
    return join(this.dir, 'cluster')
  }

  addr (i: number): string {
    return `10.77.0.${i + 1}`
  }

  /** Start host `i`'s overlay process in its namespace; `bootstrap` are multiaddrs of hosts started before. */
  async start (i: number, bootstrap: string[], membership: Record<string, number> = {}): Promise<OverlayChild> {
    const child = spawn('ip', [
      'netns', 'exec', this.ns(`h${i}`), process.execPath, '--conditions=@xenos/source', '--experimental-transform-types', '--no-warnings',
      '--import', './test/support/ts-register.mjs', join(here, 'overlay-child.ts'),
      this.clusterDir, join(this.dir, `h${i}`), `/ip4/${this.addr(i)}/tcp/4001`, `h${i}`, JSON.stringify(bootstrap), JSON.stringify(membership)
    ], { cwd: pkg, stdio: ['pipe', 'pipe', 'pipe'] })
    const lines = linesOf(child)
    const first = await Promise.race([
      lines.next(),
      new Promise<never>((_resolve, reject) => child.once('exit', (code) => { reject(new Error(`host ${i} exited with ${String(code)} before it was ready`)) }))
    ])
    if (first.done === true) throw new Error(`host ${i}: expected a ready line, found end of output`)
    const handle = new OverlayChild(i, child, JSON.parse(first.value) as { peerId: string, addrs: string[] }, lines)
    this.children[i] = handle
    return handle
  }

  /** Take host `i` off the switch: its packets go nowhere, nothing is refused. */
  cut (i: number): void {
    ip(['-n', this.ns('sw'), 'link', 'set', `h${i}`, 'nomaster'])
  }

  heal (i: number): void {
    ip(['-n', this.ns('sw'), 'link', 'set', `h${i}`, 'master', 'br0'])
  }

  async destroy (): Promise<void> {
    await Promise.all(this.children.map(async (c) => { await c.stop() }))
    for (let i = 0; i < this.count; i++) spawnSync('ip', ['netns', 'del', this.ns(`h${i}`)])
    spawnSync('ip', ['netns', 'del', this.ns('sw')])
    await rm(this.dir, { recursive: true, force: true })
  }

  private ns (suffix: string): string {
    return `${this.prefix}-${suffix}`
  }
}

/**
 * The Xenos scenario (scenario/scenario.py, Python's xmlrpc.client against the
 * public API) on two simulated hosts of one `xenos sim-cluster`, run as a
 * separate process: every step holds, and each step's duration is on the
 * simulation's clock. On real Xen the same script runs in `npm run test:xen`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, mkdir, writeFile } from 'node:fs/promises'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selfSignedCertificate } from '@xenos/core'
import { freePorts } from './support/free-ports.js'

const cliDir = fileURLToPath(new URL('..', import.meta.url))
const repoDir = join(cliDir, '..', '..')
const hasPython = spawnSync('python3', ['--version']).status === 0

const TEMPLATE = `kind: template
name: scenario-guest
vcpus: 1
memoryMiB: 128
disks:
  - { image: templates/scenario-guest/xvda.img, target: xvda, sizeBytes: 16777216 }
boot: { kind: pvh, kernel: /guest/vmlinuz, ramdisk: /guest/initrd.gz, cmdline: "console=hvc0 xenos.disk-marker" }
`

let dir = ''
let child: ChildProcess | undefined
let out = ''

beforeAll(async () => {
  if (!hasPython) return
  dir = await mkdtemp(join(tmpdir(), 'xenos-scenario-sim-'))
  await mkdir(join(dir, 'services'))
  await writeFile(join(dir, 'services', 'scenario-guest.yaml'), TEMPLATE)
  const api = await freePorts(2)
  const p2p = await freePorts(2)
  child = spawn(process.execPath, [
    '--conditions=@xenos/source', '--experimental-transform-types', '--no-warnings',
    '--import', join(repoDir, 'packages', 'xenos-core', 'test', 'support', 'ts-register.mjs'),
    join(cliDir, 'test', 'support', 'xenos.ts'),
    'sim-cluster', '--hosts', '2', '--services', join(dir, 'services'), '--data-dir', join(dir, 'data'),
    '--api-port', String(api), '--p2p-port', String(p2p), '--tag', 'node01=scenario-target'
  ], { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => { reject(new Error(`expected sim-cluster to print its admin token within 170 s, found:\n${out}`)) }, 170_000)
    const check = (): void => { if (/admin token: \S+/.test(out)) { clearTimeout(deadline); resolve() } }
    child!.stdout!.on('data', check)
    child!.once('exit', (code) => { clearTimeout(deadline); reject(new Error(`sim-cluster exited with ${code}:\n${out}`)) })
  })
}, 180_000)

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise(resolve => child!.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

describe.skipIf(!hasPython)('the Xenos scenario through Python\'s xmlrpc.client, on simulated hosts', () => {
  it('holds at every step, with each step\'s duration on the simulated clock', async () => {
    const urls = [...out.matchAll(/http:\/\/127\.0\.0\.1:\d+\/RPC2/g)].map(m => m[0])
    const token = /admin token: (\S+)/.exec(out)![1]!
    const json = join(dir, 'sim.json')
    const run = spawnSync('python3', [join(cliDir, 'scenario', 'scenario.py'), '--source', urls[0]!, '--target', urls[1]!, '--token', token, '--json', json],
      { encoding: 'utf8', timeout: 600_000 })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/every step held/)
    const rows = (await readFile(json, 'utf8')).trim().split('\n')
      .map(l => JSON.parse(l) as { step: string, wallS: number, clockS: number | null, simulated: boolean, driverS?: number })
    expect(rows.map(r => r.step).filter(s => s !== 'serviceStats')).toEqual([
      'listMethods', 'hostInfo', 'searchHosts', 'createInstance', 'start', 'replicateTemplate', 'migrate', 'lookup',
      'checkpoint', 'saveAndStop', 'restore', 'pause', 'unpause', 'stop', 'destroy'
    ])
    // the scenario learns from hostInfo that the clock is simulated: the steps after it say so
    expect(rows.slice(2).every(r => r.simulated)).toBe(true)
    const migrate = rows.find(r => r.step === 'migrate')!
    // the migration moves 128 MiB of memory and 16 MiB of disk over the simulated network: it takes simulated time
    expect(migrate.clockS).toBeGreaterThan(0)
    // the driver's own time for the move, which --compare sets against the control plane's (C12)
    expect(migrate.driverS).toBeGreaterThan(0)
  }, 600_000)

  it('a step that does not hold fails the run and says what it expected', () => {
    const urls = [...out.matchAll(/http:\/\/127\.0\.0\.1:\d+\/RPC2/g)].map(m => m[0])
    const token = /admin token: (\S+)/.exec(out)![1]!
    const run = spawnSync('python3', [
      join(cliDir, 'scenario', 'scenario.py'), '--source', urls[0]!, '--target', urls[1]!, '--token', token, '--template', 'no-such-template'
    ], { encoding: 'utf8', timeout: 120_000 })
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/FAILED: listTemplates: expected template no-such-template on the source host, found none of that name/)
  }, 180_000)
})

/** The two scenarios, each with its two hosts' options and the other options it requires (commands that are never run here). */
const scripts = [
  { name: 'scenario.py', roles: ['source', 'target'], required: [] as string[] },
  {
    name: 'failover.py',
    roles: ['survivor', 'victim'],
    required: ['--crash-victim', 'false', '--boot-victim', 'false', '--domains-survivor', 'false', '--domains-victim', 'false']
  }
]

describe.skipIf(!hasPython).each(scripts)('$name\'s client (Python\'s xmlrpc.client) and the API\'s certificate', ({ name, roles, required }) => {
  const script = join(cliDir, 'scenario', name)
  const [first, second] = roles as [string, string]
  /** Runs the script against an HTTPS server with a self-signed certificate; returns its result and the Authorization headers the server received. */
  async function againstHttps (pin: (fingerprint: string) => string): Promise<{ status: number | null, stderr: string, authorizations: string[] }> {
    const cert = selfSignedCertificate({ names: ['127.0.0.1'] })
    const authorizations: string[] = []
    const server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      authorizations.push(req.headers.authorization ?? '')
      res.writeHead(500).end()
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/RPC2`
    try {
      const run = spawn('python3', [
        script, `--${first}`, url, `--${second}`, url, '--token', 'secret-token', '--tls-fingerprint', pin(cert.fingerprint256), ...required
      ])
      let stderr = ''
      run.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
      const status = await new Promise<number | null>((resolve) => { run.once('exit', resolve) })
      return { status, stderr, authorizations }
    } finally {
      server.close()
    }
  }

  it('pins the certificate: the right fingerprint gets the request (with its token) through', async () => {
    const r = await againstHttps(f => f)
    expect(r.authorizations.length).toBeGreaterThan(0)
    expect(Buffer.from(r.authorizations[0]!.replace(/^Basic /, ''), 'base64').toString()).toBe('admin:secret-token')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/(FAILED|failover scenario): (system.listMethods|xenos.hostInfo) on|ProtocolError|500/)
  }, 120_000)

  it('refuses another certificate before sending any request, so the token never reaches it', async () => {
    const wrong = 'AB:'.repeat(31) + 'AB'
    const r = await againstHttps(() => wrong.toLowerCase().replaceAll(':', ''))
    expect(r.authorizations).toEqual([])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`expected the API certificate with SHA-256 fingerprint ${wrong}, found [0-9A-F:]{95}`))
  }, 120_000)

  it('refuses plain HTTP to a host that is not loopback unless told it is insecure', () => {
    const run = spawnSync('python3', [
      script, `--${first}`, 'http://192.0.2.1:7001/RPC2', `--${second}`, 'https://192.0.2.2:7001/RPC2', '--token', 't', ...required
    ], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(new RegExp(`--${first}: expected https:// for a host that is not loopback .* found "http://192.0.2.1:7001/RPC2"`))
    expect(run.stderr).toMatch(/; --insecure-http allows it/)
  })

  it('refuses to start without a token for each host', () => {
    const run = spawnSync('python3', [
      script, `--${first}`, 'http://127.0.0.1:7001/RPC2', `--${second}`, 'http://127.0.0.1:7002/RPC2', `--token-${first}`, 't', ...required
    ], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain(`--token (or --token-${first} and --token-${second}) is required`)
  })
})

describe.skipIf(!hasPython)('C12 on real Xen, judged from a run\'s durations (--compare)', () => {
  const scenario = join(cliDir, 'scenario', 'scenario.py')
  /** `--compare` over a real run with one control-plane call of `wallS` seconds (no toolstack call) at load `load1`. */
  async function compare (wallS: number, load1: number): Promise<{ status: number | null, stdout: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'xenos-c12-'))
    try {
      await writeFile(join(dir, 'real.json'), `${JSON.stringify({ step: 'hostInfo', wallS, clockS: null, simulated: false, backend: 'xen', load1 })}\n`)
      await writeFile(join(dir, 'sim.json'), `${JSON.stringify({ step: 'hostInfo', wallS: 0.01, clockS: null, simulated: true, backend: 'sim', load1: 0 })}\n`)
      const run = spawnSync('python3', [scenario, '--compare', join(dir, 'real.json'), join(dir, 'sim.json')], { encoding: 'utf8' })
      return { status: run.status, stdout: run.stdout }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  it('passes a sub-second control-plane call and fails a slower one on a machine that was not busy', async () => {
    expect(await compare(0.2, 0)).toMatchObject({ status: 0, stdout: expect.stringMatching(/C12 on real Xen: PASS/) as unknown })
    const slow = await compare(1.5, 0)
    expect(slow.status).toBe(1)
    expect(slow.stdout).toMatch(/over a second: \[\('hostInfo', 1\.5\)\]\nC12 on real Xen: FAIL\n/)
  })

  it('does not judge a slow call on a machine that was busy, and says so', async () => {
    const busy = await compare(1.5, 1000)
    expect(busy.status).toBe(0)
    expect(busy.stdout).toMatch(/C12 on real Xen: FAIL, not judged: the machine was busy \(load average up to 1000\.0 on \d+ cores; C12 is judged up to \d+\)/)
  })
})

import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { coordinator, memoryStateStore, STATE_FILE, type MemoryStateFile } from '../../src/coordinator/index.js'
import { FakeCluster } from '../support/fake-cluster.js'
import { counterIds, simpleMatcher } from '../support/loopback.js'
import { Harness, staticConfig, webTemplate } from '../support/harness.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const pkg = join(here, '..', '..')

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'xenos-persist-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

/** Runs the child until it has printed `created` lines `count` times, then SIGKILLs it mid-loop. */
async function runAndKill (
  dataDir: string, clusterFile: string, prefix: string, count: number
): Promise<{ created: string[], destroyed: string[], destroying: string[] }> {
  const args = [
    '--conditions=@xenos/source', '--experimental-transform-types', '--no-warnings', '--import', './test/support/ts-register.mjs',
    join(here, 'fixtures', 'kill9-child.ts'), dataDir, clusterFile, prefix
  ]
  const child = spawn(process.execPath, args, { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] })
  const created: string[] = []
  const destroyed: string[] = []
  const destroying: string[] = []
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  await new Promise<void>((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        const [what, id] = line.split(' ')
        if (what === 'created' && id !== undefined) created.push(id)
        if (what === 'destroyed' && id !== undefined) destroyed.push(id)
        if (what === 'destroying' && id !== undefined) destroying.push(id)
        if (created.length >= count && child.exitCode === null) child.kill('SIGKILL')
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve()
      else reject(new Error(`child exited with ${code}: ${stderr}`))
    })
  })
  return { created, destroyed, destroying }
}

describe('persistence', () => {
  it('loses nothing it reported when killed with SIGKILL mid-operation, and reattaches to running domains', async () => {
    const dataDir = join(dir, 'data')
    const clusterFile = join(dir, 'cluster.json')
    const first = await runAndKill(dataDir, clusterFile, 'k1', 23)
    // a second run on the same directory continues where the first stopped, then is killed too
    const second = await runAndKill(dataDir, clusterFile, 'k2', 7)
    const cluster = FakeCluster.fromJSON(JSON.parse(await readFile(clusterFile, 'utf8')))
    const c = coordinator({ dataDir })({ driver: cluster.driver('h1'), ids: counterIds('k3'), matcher: simpleMatcher })
    const { reattach } = await c.start()
    expect(c.bootCount).toBe(3)
    const ids = new Set(c.listServices().map(s => s.id))
    const destroyed = new Set([...first.destroyed, ...second.destroyed])
    // a destroy that was in flight at the kill may or may not have happened; everything else is exact
    const inFlight = new Set([...first.destroying, ...second.destroying].filter(id => !destroyed.has(id)))
    expect(inFlight.size).toBeLessThanOrEqual(2)
    for (const id of [...first.created, ...second.created]) {
      if (destroyed.has(id)) expect(ids.has(id)).toBe(false)
      else if (!inFlight.has(id)) expect(c.getService(id).state).toBe('running')
    }
    expect(first.created.length).toBeGreaterThanOrEqual(23)
    expect(reattach.vanished).toEqual([])
    expect(reattach.reattached.length).toBe(ids.size)
    // at most one service can be past its reply when the kill came (created but not yet printed)
    expect(ids.size - ([...first.created, ...second.created].length - destroyed.size)).toBeLessThanOrEqual(2)
    await c.stop()
  })

  it('marks services whose domain disappeared while it was down as vanished', async () => {
    const h = new Harness(new FakeCluster([{ name: 'h1' }]))
    const a = await h.add('h1', [webTemplate('web')])
    const keep = await a.coordinator.createInstance('web', { name: 'keep' })
    await a.coordinator.startService(keep.id)
    const gone = await a.coordinator.createInstance('web', { name: 'gone' })
    await a.coordinator.stop()
    await h.cluster.driver('h1').removeDomain('gone')
    const b = await h.open('h1', a.dataDir)
    expect(b.coordinator.getService(keep.id).state).toBe('running')
    expect(b.coordinator.getService(gone.id)).toMatchObject({ state: 'vanished' })
    expect(b.coordinator.getService(gone.id).lastError).toMatch(/not found on h1 after a restart/)
    expect(b.coordinator.events(0).events.map(e => `${e.kind}:${e.serviceId ?? ''}`).sort()).toEqual([`reattached:${keep.id}`, `vanished:${gone.id}`])
    // a vanished service can be destroyed (forgotten)
    await b.coordinator.destroyService(gone.id)
    expect(b.coordinator.listServices().map(s => s.id)).toEqual([keep.id])
    await h.close()
  })

  it('keeps a prepared incoming migration across a restart and adopts its domain when it arrives', async () => {
    const h = new Harness(new FakeCluster([{ name: 'h1' }, { name: 'h2' }]))
    await h.add('h1', [webTemplate('web')])
    const b = await h.add('h2')
    const record = {
      id: 'svc-moving-1', name: 'moving', template: 'web', host: 'h2', state: 'running' as const, groups: ['g'], attributes: {}, endpoints: [],
      owner: 'alice', grantees: [], domainName: 'moving', guestHostname: 'moving', mac: '00:16:3e:00:00:01', createdAt: '2026-01-01T00:00:00.000Z',
      origin: 'instance' as const
    }
    await b.coordinator.peer.prepareMigration({
      migrationId: 'm-1', serviceId: record.id, name: 'moving', template: 'web', memoryMiB: 384, diskBytes: 0, holders: ['h1'], record
    })
    const freeBefore = (await b.coordinator.hostRecord()).freeMemoryMiB
    await b.coordinator.stop()
    // the domain arrives while the target's coordinator is down
    const d = h.cluster.driver('h2')
    await d.createImage('services/svc-moving-1/xvda.img', 1024)
    await d.createDomain({
      name: 'moving', vcpus: 1, memoryMiB: 384, disks: [{ image: 'services/svc-moving-1/xvda.img', target: 'xvda' }],
      boot: { kind: 'pvh', kernel: 'k' }, nics: []
    })
    await d.startDomain('moving')
    const again = await h.open('h2', b.dataDir)
    expect(await again.coordinator.reconcile()).toEqual([record.id])
    expect(again.coordinator.getService(record.id)).toMatchObject({ state: 'running', origin: 'migration', groups: ['g'], owner: 'alice' })
    expect((await again.coordinator.hostRecord()).freeMemoryMiB).toBe(freeBefore) // the reservation became the running domain
    await h.close()
  })

  it('finishes on restart a destroy that was cut short part way', async () => {
    const cluster = new FakeCluster([{ name: 'h1' }])
    const driver = cluster.driver('h1')
    let cut = false
    // the power goes after the domain is destroyed, before it is removed
    const failing = new Proxy(driver, {
      get: (target, prop) => prop === 'removeDomain' && cut ? async () => { throw new Error('power cut') } : Reflect.get(target, prop)
    })
    const first = coordinator({ dataDir: dir, createMissingImages: true })({
      driver: failing, ids: counterIds('a'), matcher: simpleMatcher, configSource: staticConfig([webTemplate('web', 16)])
    })
    await first.start()
    const s = await first.createInstance('web', { name: 'doomed' })
    await first.startService(s.id)
    cut = true
    await expect(first.destroyService(s.id)).rejects.toThrow('power cut')
    expect((await driver.listDomains()).map(d => d.name)).toEqual(['doomed'])
    const again = coordinator({ dataDir: dir })({ driver: cluster.driver('h1'), ids: counterIds('b'), matcher: simpleMatcher })
    const { reattach } = await again.start()
    expect(reattach).toEqual({ reattached: [], vanished: [], destroyed: [s.id] })
    expect(again.listServices()).toEqual([])
    expect(await driver.listDomains()).toEqual([])
    expect(again.events(0).events.map(e => `${e.kind}:${e.serviceId ?? ''}`)).toEqual([`destroyed:${s.id}`])
    await again.stop()
  })

  it('reports a damaged state file instead of starting empty', async () => {
    await writeFile(join(dir, STATE_FILE), '{"version":1,"sha256":"00","body":"{}"}')
    const cluster = new FakeCluster([{ name: 'h1' }])
    const c = coordinator({ dataDir: dir })({ driver: cluster.driver('h1'), ids: counterIds('x'), matcher: simpleMatcher, configSource: staticConfig([]) })
    await expect(c.start()).rejects.toThrow(/SHA-256 does not match/)
  })

  it('a memory state store keeps what a coordinator saved for the next one over the same file, and is checked as a file is', async () => {
    const cluster = new FakeCluster([{ name: 'h1' }])
    const file: MemoryStateFile = {}
    const open = (ids: string): ReturnType<ReturnType<typeof coordinator>> => coordinator({ dataDir: join(dir, 'unused'), createMissingImages: true })({
      driver: cluster.driver('h1'), ids: counterIds(ids), matcher: simpleMatcher, configSource: staticConfig([webTemplate('web')]),
      stateStore: read => memoryStateStore(file, { read }, 'h1')
    })
    const first = open('a')
    await first.start()
    const made = await first.createInstance('web', { name: 'one' })
    await first.stop()
    const second = open('b')
    await second.start()
    expect(second.bootCount).toBe(2)
    expect(second.getService(made.id).name).toBe('one')
    await second.stop()
    // nothing on disk: the data directory was never made
    await expect(readFile(join(dir, 'unused', STATE_FILE), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' })
    file.text = file.text!.replace(/"sha256":"[0-9a-f]+"/, '"sha256":"00"')
    await expect(open('c').start()).rejects.toMatchObject({ name: 'StateFileError', message: /\(h1\)\/coordinator-state\.json.*SHA-256 does not match/ })
  })

  it('refuses a state file whose checksum is right but whose records are malformed, naming the record and the field', async () => {
    const cluster = new FakeCluster([{ name: 'h1' }])
    const first = coordinator({ dataDir: dir, createMissingImages: true })({
      driver: cluster.driver('h1'), ids: counterIds('a'), matcher: simpleMatcher, configSource: staticConfig([webTemplate('web')])
    })
    await first.start()
    await first.createInstance('web', { name: 'one' })
    await first.createInstance('web', { name: 'two' })
    await first.stop()
    const good = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { version: number, body: string }
    const rewrite = async (change: (body: { services: Array<Record<string, unknown>>, templates: Array<Record<string, unknown>> }) => void): Promise<void> => {
      const body = JSON.parse(good.body) as { services: Array<Record<string, unknown>>, templates: Array<Record<string, unknown>> }
      change(body)
      const text = JSON.stringify(body)
      await writeFile(join(dir, STATE_FILE), JSON.stringify({ version: good.version, sha256: createHash('sha256').update(text).digest('hex'), body: text }))
    }
    const start = async (): Promise<unknown> =>
      await coordinator({ dataDir: dir })({ driver: cluster.driver('h1'), ids: counterIds('b'), matcher: simpleMatcher }).start()
    await rewrite((b) => { delete b.services[1]!.id })
    await expect(start()).rejects.toThrow(/services\[1\]\.id: expected a non-empty string, found nothing/)
    await rewrite((b) => { b.services[0]!.state = 'flying' })
    await expect(start()).rejects.toThrow(/services\[0\]\.state: expected one of stopped, running, paused, crashed, migrating, vanished, found "flying"/)
    await rewrite((b) => { b.templates[0]!.images = 'none' })
    await expect(start()).rejects.toThrow(/templates\[0\]\.images: expected an array/)
    await rewrite((b) => { b.services[1]!.id = b.services[0]!.id })
    const damaged = await readFile(join(dir, STATE_FILE), 'utf8')
    await expect(start()).rejects.toThrow(/services\[1\]\.id: expected an id not used by another service, found/)
    await expect(start()).rejects.toMatchObject({ name: 'StateFileError' })
    // nothing was overwritten: the damaged file is still there for the operator to look at
    expect(await readFile(join(dir, STATE_FILE), 'utf8')).toBe(damaged)
  })
})

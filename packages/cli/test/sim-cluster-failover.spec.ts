/**
 * `resume` end to end on `xenos sim-cluster` (the function its command runs,
 * with the faults its standard input takes), through the public API only: a
 * service on node01 is checkpointed and its checkpoint fetched by its
 * guardians over the cluster's image port (xenos-core's verified chunks); the
 * host crashes (its guests die, its coordinator stops); a guardian restores
 * the service from its copy of the checkpoint (the same domain uuid: its
 * memory, not a fresh boot); node01 boots again, learns that the service was
 * taken over, and destroys its stale copy instead of resuming it.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '@xenos/hypervisor-interface'
import { xenosClient, type ServiceRecord, type XenosClient } from '@xenos/core/client'
import { simClusterConsole, startSimCluster, type SimClusterRun } from '../src/commands/sim-cluster.js'
import { freePorts } from './support/free-ports.js'

const TEMPLATE = `kind: template
name: ft-guest
vcpus: 1
memoryMiB: 128
disks:
  - { image: templates/ft-guest/xvda.img, target: xvda, sizeBytes: 16777216 }
boot: { kind: pvh, kernel: /guest/vmlinuz }
`
const HOSTS = 4

interface Event { seq: number, kind: string, serviceId?: string, subject?: string, detail?: string }

let dir = ''
let run: SimClusterRun
let token = ''
const console$ = new PassThrough()
const said: string[] = []
const clients = new Map<string, XenosClient>()

function client (host: string): XenosClient {
  const url = run.host(host)?.apiUrl
  if (url === undefined) throw new Error(`expected ${host} to run, found it crashed`)
  const key = `${host} ${url}`
  let c = clients.get(key)
  if (c === undefined) {
    c = xenosClient({ endpoints: [url], credentials: { scheme: 'bearer', token } })
    clients.set(key, c)
  }
  return c
}

async function events (host: string): Promise<Event[]> {
  return (await client(host).call('xenos.events', [0]) as { events: Event[] }).events
}

/** Type a fault on the console, and wait for its answer. */
async function type (line: string, answer: RegExp): Promise<void> {
  const before = said.length
  console$.write(`${line}\n`)
  await waitFor(() => said.slice(before).some(s => answer.test(s)), { what: `the console to answer "${line}" with ${answer}`, timeoutS: 120, intervalS: 0.1 })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-sim-failover-'))
  await mkdir(join(dir, 'services'))
  await writeFile(join(dir, 'services', 'ft-guest.yaml'), TEMPLATE)
  run = await startSimCluster({
    seed: 1, hosts: HOSTS, dataDir: join(dir, 'data'), apiPort: await freePorts(HOSTS), p2pPort: await freePorts(HOSTS),
    services: join(dir, 'services'), failover: { checkIntervalMs: 500, takeoverDelayMs: 3000 }, log: () => {}
  })
  token = run.authority.issueToken('admin', 'admin', { ttlMs: 3600_000 }).token
  await run.authority.addUser('admin')
  void simClusterConsole(run, console$, (s) => { said.push(s) })
  await waitFor(async () => (await client('master').searchHosts('')).results.length === HOSTS, {
    what: `all ${HOSTS} hosts to answer a search`, timeoutS: 120, intervalS: 0.5
  })
}, 240_000)

afterAll(async () => {
  console$.end()
  for (const c of clients.values()) c.close()
  await run?.stop()
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

describe('resume on xenos sim-cluster', () => {
  it('a crashed host\'s service is restored from a replicated checkpoint on one survivor; the host, back, destroys its stale copy', async () => {
    const created = await client('node01').call('xenos.createInstance', ['ft-guest', { name: 'ft-1', start: true }]) as ServiceRecord
    await client('node01').call('xenos.setRestartPolicy', [created.id, { mode: 'resume', checkpointIntervalS: 2, replicas: 2 }])
    let guarded: Event | undefined
    await waitFor(async () => {
      guarded = (await events('node01'))
        .find(e => e.kind === 'guarded' && e.serviceId === created.id && /on \S+, \S+, checkpoint checkpoints\//.test(e.detail ?? ''))
      return guarded !== undefined
    }, { what: 'node01 to name two guardians holding a checkpoint of ft-1', timeoutS: 120, intervalS: 0.5 })
    const guardians = /on (\S+), (\S+),/.exec(guarded!.detail!)!.slice(1, 3)
    const uuid = (await run.cluster.driver('node01').inspectDomain(created.domainName)).uuid

    await type('crash node01', /^node01 crashed/)
    const survivors = run.names.filter(h => h !== 'node01')
    let took: { host: string, event: Event } | undefined
    await waitFor(async () => {
      for (const h of survivors) {
        const e = (await events(h)).find(x => x.kind === 'taken-over' && x.serviceId === created.id)
        if (e !== undefined) took = { host: h, event: e }
      }
      return took !== undefined
    }, { what: 'a survivor to take ft-1 over', timeoutS: 120, intervalS: 0.5 })
    const { host: owner, event } = took!
    expect(guardians).toContain(owner)
    expect(event.detail).toMatch(/^generation 2 from node01, resumed from its checkpoint in [\d.]+ s, [\d.]+ s of work lost$/)
    const moved = await client(owner).call('xenos.getService', [created.id]) as ServiceRecord
    expect(moved).toMatchObject({ state: 'running', generation: 2, origin: 'takeover', host: owner })
    // restored from the checkpoint: the same domain, not a new boot of the template
    expect((await run.cluster.driver(owner).inspectDomain(moved.domainName)).uuid).toBe(uuid)
    // exactly one survivor acted
    for (const h of survivors.filter(x => x !== owner)) {
      expect((await events(h)).some(e => e.kind === 'taken-over' && e.serviceId === created.id)).toBe(false)
    }

    await type('recover node01', /^node01 is back/)
    // the event comes as the copy is destroyed; its record goes once that is done
    await waitFor(async () => (await events('node01')).some(e => e.kind === 'stale-discarded' && e.serviceId === created.id)
      && !(await client('node01').call('xenos.listServices', []) as ServiceRecord[]).some(s => s.id === created.id), {
      what: 'node01, back, to destroy its stale copy of ft-1 and forget it', timeoutS: 120, intervalS: 0.5
    })
    const copies = await Promise.all(run.names.map(async h => (await run.cluster.driver(h).listDomains())
      .filter(d => d.state === 'running' && d.spec.annotations?.['xenos.serviceId'] === created.id).length))
    expect(copies.reduce((a, b) => a + b, 0)).toBe(1)
  }, 480_000)

  it('a coordinator that dies alone leaves its guests unfenced: a survivor runs a second copy until it comes back and destroys its own', async () => {
    const created = await client('node02').call('xenos.createInstance', ['ft-guest', { name: 'ft-2', start: true }]) as ServiceRecord
    await client('node02').call('xenos.setRestartPolicy', [created.id, { mode: 'restart', replicas: 1 }])
    const guarded = (e: Event): boolean => e.kind === 'guarded' && e.serviceId === created.id && /^generation 1 on \S+$/.test(e.detail ?? '')
    await waitFor(async () => (await events('node02')).some(guarded), {
      what: 'node02 to name the guardian of ft-2', timeoutS: 120, intervalS: 0.5
    })
    const copies = async (): Promise<string[]> => (await Promise.all(run.names.map(async h => (await run.cluster.driver(h).listDomains())
      .filter(d => d.state === 'running' && d.spec.annotations?.['xenos.serviceId'] === created.id).map(() => h)))).flat()
    await type('kill node02', /^node02's coordinator is gone/)
    await waitFor(async () => (await copies()).length === 2, { what: 'a survivor to start a second copy of ft-2', timeoutS: 120, intervalS: 0.5 })
    // the guest on node02 ran on unwatched: no watchdog paused it
    expect(await copies()).toContain('node02')
    await type('recover node02', /^node02 is back/)
    await waitFor(async () => (await copies()).length === 1, { what: 'node02, back, to destroy its copy of ft-2', timeoutS: 120, intervalS: 0.5 })
    expect(await copies()).not.toContain('node02')
    expect((await events('node02')).some(e => e.kind === 'stale-discarded' && e.serviceId === created.id)).toBe(true)
  }, 480_000)

  it('the console names what it does not know', async () => {
    await type('crash nowhere', /^error: host: expected one of master, node01, node02, node03, found "nowhere"/)
    await type('reboot node02', /^error: expected one of: crash HOST/)
  })
})

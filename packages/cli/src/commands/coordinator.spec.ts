/**
 * `xenos coordinator --config host.yaml` on a simulated host: problems in
 * the service files are printed on stderr with file, line, column, field,
 * what was expected and what was found, at start and after a reload.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '@xenos/hypervisor-interface'
import { ClusterAuthority, hostIdentityDir, peerIdOfIdentity } from '@xenos/core'
import { buildProgram } from '../program.js'
import { coordinatorCommands } from './coordinator.js'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xenos-coordinator-cli-'))
  await mkdir(join(dir, 'services'))
  await writeFile(join(dir, 'host.yaml'), 'driver: { kind: sim }\ndataDir: data\nservicesDir: services\napi: { listen: "127.0.0.1:0" }\ncluster: cluster\n')
  // the host is admitted to a cluster, as every coordinator must be
  const authority = await ClusterAuthority.create(join(dir, 'cluster'))
  await writeFile(join(dir, 'data', 'admission.json'), JSON.stringify(authority.admit(await peerIdOfIdentity(hostIdentityDir(join(dir, 'data'))))))
  await writeFile(join(dir, 'services', 'bad.yaml'), 'kind: service\nname: bad\ntemplate: web\nmemoryMiB: 4\n')
  await writeFile(join(dir, 'services', 'orphan.yaml'), 'kind: service\nname: orphan\ntemplate:  nope\n')
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('xenos coordinator', () => {
  it('prints config errors on stderr with file:line:column, field, expected and found', async () => {
    let out = ''
    let err = ''
    let stop: (sig: string) => void = () => undefined
    const stopped = new Promise<string>((resolve) => { stop = resolve })
    const io = { out: (s: string) => { out += s }, err: (s: string) => { err += s } }
    const program = buildProgram([(p) => { coordinatorCommands(p, { ...io, untilStopped: async () => await stopped }) }], io)
    const running = program.parseAsync(['node', 'xenos', 'coordinator', '--config', join(dir, 'host.yaml')])
    await waitFor(() => out.includes('API:'), { timeoutS: 60, intervalS: 0.05, what: 'the coordinator to print its API URL' })
    stop('test')
    await running
    expect(out).toMatch(/xenos coordinator on /)
    expect(out).toMatch(/overlay: .* \(cluster xc-[0-9a-f]+\)/)
    const lines = err.trim().split('\n')
    expect(lines).toContainEqual(expect.stringMatching(/config error: .*bad\.yaml:4:12: memoryMiB: expected .*, found number 4/))
    expect(lines).toContainEqual(expect.stringMatching(/config error: .*orphan\.yaml:3:12: template: expected a template "nope" on /))
  })

  it('lists the drivers a host file can name in --help', async () => {
    let out = ''
    const io = { out: (s: string) => { out += s }, err: () => undefined }
    const program = buildProgram([(p) => { coordinatorCommands(p, io) }], io)
    await program.parseAsync(['node', 'xenos', 'coordinator', '--help']).catch(() => undefined)
    expect(out).toMatch(/Drivers \(driver\.kind in the host file\):\n {2}sim .*simulated.*\n {2}xen .*xl/)
  })

  it('refuses a host file whose driver options the driver\'s plugin refuses, at their line, before starting anything', async () => {
    const file = join(dir, 'bad-driver.yaml')
    await writeFile(file, 'dataDir: data\nservicesDir: services\ncluster: cluster\ndriver:\n  kind: xen\n  options:\n    imageDir: images\n    sudo: maybe\n')
    const sim = join(dir, 'manual.yaml')
    await writeFile(sim, 'dataDir: data\nservicesDir: services\ncluster: cluster\ndriver: { kind: sim, options: { mode: manual } }\n')
    const refusal = async (config: string): Promise<Error | undefined> => {
      const io = { out: () => undefined, err: () => undefined }
      const program = buildProgram([(p) => { coordinatorCommands(p, io) }], io)
      return await program.parseAsync(['node', 'xenos', 'coordinator', '--config', config]).then(() => undefined, (e: unknown) => e as Error)
    }
    const xen = await refusal(file)
    expect(xen?.name).toBe('ConfigFileError')
    expect(xen?.message).toMatch(/bad-driver\.yaml:8:11: driver\.options\.sudo: expected a boolean, found "maybe"/)
    const manual = await refusal(sim)
    expect(manual?.message).toMatch(/manual\.yaml:4:\d+: driver\.options\.mode: expected "live" for a coordinator \(nothing would run a manual simulation\)/)
  })
})

import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { xenosClient, type XenosClient } from '@xenos/core'
import { UsageError } from '../errors.js'

type Out = (s: string) => void

export interface ClientFlags { api?: string, token?: string, user?: string, json?: boolean, tlsFingerprint?: string, ca?: string }

/** The API client for the command's flags (or XENOS_API / XENOS_TOKEN / XENOS_USER / XENOS_TLS_FINGERPRINT / XENOS_CA). */
export function clientFrom (flags: ClientFlags): XenosClient {
  const api = flags.api ?? process.env.XENOS_API ?? 'http://127.0.0.1:7001/RPC2'
  const token = flags.token ?? process.env.XENOS_TOKEN
  const user = flags.user ?? process.env.XENOS_USER
  const fingerprint256 = flags.tlsFingerprint ?? process.env.XENOS_TLS_FINGERPRINT
  const caFile = flags.ca ?? process.env.XENOS_CA
  let ca: string | undefined
  try {
    ca = caFile === undefined ? undefined : readFileSync(caFile, 'utf8')
  } catch (err) {
    throw new UsageError(`--ca: expected a readable PEM file, found ${(err as NodeJS.ErrnoException).code ?? String(err)} at ${caFile ?? ''}`, { cause: err })
  }
  return xenosClient({
    endpoints: api.split(',').map(s => s.trim()).filter(s => s !== ''),
    timeoutMs: 600_000,
    ...(fingerprint256 !== undefined ? { tls: { fingerprint256 } } : ca !== undefined ? { tls: { ca } } : {}),
    ...(token !== undefined ? { credentials: user !== undefined ? { scheme: 'basic' as const, user, token } : { scheme: 'bearer' as const, token } } : {})
  })
}

/** A plain text table: columns padded to their widest cell. */
export function table (rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)\n'
  const cell = (v: unknown): string =>
    v === undefined || v === null ? '' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)
  const widths = columns.map(c => Math.max(c.length, ...rows.map(r => cell(r[c]).length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(columns.map(c => c.toUpperCase())), ...rows.map(r => line(columns.map(c => cell(r[c]))))].join('\n') + '\n'
}

/** Shows elapsed time on a terminal while `work` runs. */
async function withProgress<T> (label: string, work: Promise<T>): Promise<T> {
  if (process.stderr.isTTY !== true) return await work
  const started = Date.now()
  const timer = setInterval(() => { process.stderr.write(`\r${label} ... ${((Date.now() - started) / 1000).toFixed(0)} s`) }, 500)
  try {
    return await work
  } finally {
    clearInterval(timer)
    process.stderr.write(`\r${label} ... done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }
}

const SERVICE_COLUMNS = ['id', 'name', 'template', 'host', 'state', 'groups']
const HOST_COLUMNS = ['hostname', 'cores', 'freeMemoryMiB', 'freeDiskBytes', 'tags', 'apiUrl']

/** The options every API client command takes: --api, --token, --user, --json. */
export function withClient (cmd: Command): Command {
  return cmd
    .option('--api <urls>', 'API URL(s), comma separated (backups for failover); default $XENOS_API or http://127.0.0.1:7001/RPC2')
    .option('--token <token>', 'API token (default $XENOS_TOKEN)')
    .option('--user <name>', 'user name, for basic authentication (default $XENOS_USER)')
    .option('--tls-fingerprint <sha256>',
      'https: the SHA-256 fingerprint of the API\'s certificate to pin, as the coordinator prints it (default $XENOS_TLS_FINGERPRINT)')
    .option('--ca <file>', 'https: a CA (or the API\'s certificate) to trust, PEM (default $XENOS_CA)')
    .option('--json', 'print JSON instead of a table')
}

/** The API client commands: hosts, services, search, create, start/stop/..., migrate, replicate. */
export function clientCommands (program: Command, io: { out: Out }): void {
  const print = (flags: ClientFlags, value: unknown, columns: string[]): void => {
    if (flags.json === true) { io.out(`${JSON.stringify(value, null, 2)}\n`); return }
    const rows = (Array.isArray(value) ? value : [value]) as Array<Record<string, unknown>>
    io.out(table(rows, columns))
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = (fn: (c: XenosClient, ...args: any[]) => Promise<void>) => async (...args: any[]): Promise<void> => {
    const flags = args.find(a => typeof a === 'object' && a !== null && !Array.isArray(a) && !('commands' in a)) as ClientFlags
    const c = clientFrom(flags ?? {})
    try { await fn(c, ...args) } finally { c.close() }
  }

  withClient(program.command('hosts').description('hosts of the overlay matching a query (all by default)')
    .argument('[query...]', 'conditions, e.g. freeMemoryMiB>=512 cores>1'))
    .action(run(async (c, query: string[], flags: ClientFlags) => {
      const r = await c.searchHosts(query.join(' '))
      print(flags, flags.json === true ? r : r.results, HOST_COLUMNS)
      if (r.nonResponders.length > 0 && flags.json !== true) io.out(`did not answer in time: ${r.nonResponders.join(', ')}\n`)
    }))
  withClient(program.command('search').description('services of the whole overlay matching a query')
    .argument('<query...>', 'conditions, e.g. template=hadoop-slave state=running group:hadoop'))
    .action(run(async (c, query: string[], flags: ClientFlags) => {
      const r = await c.searchServices(query.join(' '))
      print(flags, flags.json === true ? r : r.results, SERVICE_COLUMNS)
      if (r.nonResponders.length > 0 && flags.json !== true) io.out(`did not answer in time: ${r.nonResponders.join(', ')}\n`)
    }))
  withClient(program.command('services').description('services of the host the client talks to').argument('[query...]', 'optional conditions'))
    .action(run(async (c, query: string[], flags: ClientFlags) => { print(flags, await c.listServices(query.join(' ')), SERVICE_COLUMNS) }))
  withClient(program.command('create').description('create an instance of a template on the host the client talks to').argument('<template>'))
    .option('--name <name>', 'instance name')
    .option('--group <group...>', 'groups to join')
    .option('--start', 'start it once created')
    .action(run(async (c, template: string, flags: ClientFlags & { name?: string, group?: string[], start?: boolean }) => {
      const options = {
        ...(flags.name !== undefined ? { name: flags.name } : {}), ...(flags.group !== undefined ? { groups: flags.group } : {}), start: flags.start === true
      }
      const s = await withProgress(`creating ${template}`, c.createInstance(template, options))
      print(flags, s, SERVICE_COLUMNS)
    }))
  for (const [verb, fn] of [
    ['start', (c: XenosClient, id: string) => c.startService(id)],
    ['stop', (c: XenosClient, id: string) => c.stopService(id)],
    ['pause', (c: XenosClient, id: string) => c.pauseService(id)],
    ['unpause', (c: XenosClient, id: string) => c.unpauseService(id)],
    ['destroy', (c: XenosClient, id: string) => c.destroyService(id)]
  ] as const) {
    withClient(program.command(verb).description(`${verb} a service`).argument('<id>', 'service id'))
      .action(run(async (c, id: string, flags: ClientFlags) => { print(flags, await withProgress(`${verb} ${id}`, fn(c, id)), SERVICE_COLUMNS) }))
  }
  withClient(program.command('migrate').description('migrate a service, with its disk images, to a host or to the best host matching a query')
    .argument('<id>', 'service id').argument('<target...>', 'a host name, or query conditions such as freeMemoryMiB>=512'))
    .option('--storage <mode>', 'none, stop-and-copy or pre-copy', 'stop-and-copy')
    .option('--cold', 'pause, copy, resume instead of a live migration')
    .action(run(async (c, id: string, target: string[], flags: ClientFlags & { storage: string, cold?: boolean }) => {
      if (!['none', 'stop-and-copy', 'pre-copy'].includes(flags.storage)) {
        throw new UsageError(`--storage: expected none, stop-and-copy or pre-copy, found "${flags.storage}"`)
      }
      const options = { live: flags.cold !== true, storage: flags.storage as 'none' | 'stop-and-copy' | 'pre-copy' }
      const r = await withProgress(`migrating ${id}`, c.migrateService(id, target.join(' '), options))
      if (flags.json === true) io.out(`${JSON.stringify(r, null, 2)}\n`)
      else io.out(`${JSON.stringify(r)}\n`)
    }))
  withClient(program.command('replicate').description('pull a template to the host the client talks to from the peers that hold it').argument('<template>'))
    .option('--method <method>', 'chunked (Xenos, from several holders) or whole-copy (the paper\'s method)', 'chunked')
    .action(run(async (c, template: string, flags: ClientFlags & { method: string }) => {
      if (flags.method !== 'chunked' && flags.method !== 'whole-copy') throw new UsageError(`--method: expected chunked or whole-copy, found "${flags.method}"`)
      const r = await withProgress(`replicating ${template}`, c.replicateTemplate(template, { method: flags.method }))
      io.out(`${JSON.stringify(r, null, flags.json === true ? 2 : undefined)}\n`)
    }))
}

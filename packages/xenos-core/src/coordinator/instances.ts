/**
 * New service instances from templates: copy or
 * copy-on-write clone each template image, give the instance its own id,
 * name, MAC and guest host name, define its domain. A failure part way
 * removes what was made.
 */
import { assertDomainName, isValidDomainName, type DomainSpec } from '@xenos/hypervisor-interface'
import { paths, undo, type GroupContext, type ServiceContext } from './context.js'
import { AlreadyExistsError, InvalidArgumentError } from './errors.js'
import type { IdSource } from './ports.js'
import type { Endpoint, ServiceRecord, TemplateRecord } from './records.js'
import { assertGroupName } from './registry.js'
import type { RestartPolicy } from '../failover/policy.js'

export interface CreateInstanceOptions {
  /** Service (and domain) name; default `<template>-<short id>`. */
  name?: string
  /** Groups to join besides the template's default groups. */
  groups?: string[]
  /** Attributes over the template's defaults. */
  attributes?: Record<string, string>
  endpoints?: Endpoint[]
  /** Owner; the API passes the calling user. @default 'admin' */
  owner?: string
  /** Where the record came from. @default 'instance' */
  origin?: ServiceRecord['origin']
  /** A fixed id (config files may name one); generated when absent. */
  id?: string
  /** Override the template's VCPUs. */
  vcpus?: number
  /** Override the template's memory, in MiB. */
  memoryMiB?: number
  /** `copy` for full copies; `cow` for copy-on-write clones where the driver can. @default the coordinator's cloneMode */
  clone?: 'cow' | 'copy'
  /** What survivors do with it when this host fails (see `failover/policy.ts`). @default none (never) */
  restart?: RestartPolicy
}

/** What making instances uses: the host and its records, ids, the time of records, the clone mode, and the overlay's groups. */
export interface InstanceContext extends ServiceContext, GroupContext {
  readonly ids: IdSource
  readonly now: () => Date
  readonly options: { readonly cloneMode: 'cow' | 'copy' | 'auto' }
}

/** Validates the options the API can pass; throws `InvalidArgumentError`. */
export function validateCreateOptions (options: CreateInstanceOptions): void {
  if (options.name !== undefined && !isValidDomainName(options.name)) assertDomainName(options.name, 'name')
  options.groups?.forEach((g, i) => { assertGroupName(g, `groups[${i}]`) })
  if (options.clone !== undefined && options.clone !== 'cow' && options.clone !== 'copy') {
    throw new InvalidArgumentError('clone', '"cow" or "copy"', options.clone)
  }
  if (options.attributes !== undefined) {
    if (typeof options.attributes !== 'object' || options.attributes === null || Array.isArray(options.attributes)) {
      throw new InvalidArgumentError('attributes', 'a struct of strings', options.attributes)
    }
    for (const [k, v] of Object.entries(options.attributes)) if (typeof v !== 'string') throw new InvalidArgumentError(`attributes.${k}`, 'a string', v)
  }
}

/** A service id a config file or a caller may give. */
const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export async function createInstance (ctx: InstanceContext, templateName: string, options: CreateInstanceOptions = {}): Promise<ServiceRecord> {
  validateCreateOptions(options)
  const template = ctx.registry.template(templateName)
  if (options.id !== undefined && (typeof options.id !== 'string' || !SERVICE_ID.test(options.id))) {
    throw new InvalidArgumentError('id', 'a service id of 1-128 letters, digits, ".", "_" or "-"', options.id)
  }
  const id = options.id ?? ctx.ids.serviceId()
  if (ctx.registry.findService(id) !== undefined) throw new AlreadyExistsError('service id', id, ctx.hostname)
  const name = options.name ?? `${template.name}-${shortId(id)}`
  assertDomainName(name, 'name')
  return await ctx.withLock(`name:${name}`, async () => {
    if (ctx.registry.findService(name) !== undefined) throw new AlreadyExistsError('service name', name, ctx.hostname)
    const made: string[] = []
    let domainDefined = false
    try {
      const mode = cloneModeFor(ctx, options.clone)
      for (const img of template.images) {
        const dest = paths.serviceImage(id, img.target)
        await ctx.driver.cloneImage(img.path, dest, { mode })
        made.push(dest)
      }
      const mac = ctx.ids.mac()
      const spec = instanceSpec(template, name, id, mac)
      if (options.vcpus !== undefined) spec.vcpus = options.vcpus
      if (options.memoryMiB !== undefined) spec.memoryMiB = options.memoryMiB
      await ctx.driver.createDomain(spec)
      domainDefined = true
      const handle = await ctx.driver.handle(name)
      const record: ServiceRecord = {
        id,
        name,
        template: template.name,
        host: ctx.hostname,
        state: 'stopped',
        groups: unique([...template.defaultGroups, ...(options.groups ?? [])]),
        attributes: { ...template.defaultAttributes, ...(options.attributes ?? {}) },
        endpoints: options.endpoints ?? template.endpoints.map(e => ({ ...e })),
        owner: options.owner ?? 'admin',
        grantees: [],
        domainName: name,
        guestHostname: name.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
        mac,
        vcpus: spec.vcpus,
        memoryMiB: spec.memoryMiB,
        createdAt: ctx.now().toISOString(),
        origin: options.origin ?? 'instance',
        handle,
        ...(options.restart === undefined ? {} : { restart: options.restart, generation: 1 })
      }
      const saved = await ctx.registry.addService(record)
      for (const g of saved.groups) await ctx.network?.joinGroup?.(g, saved.id)
      ctx.events.emit({ kind: 'created', serviceId: id, subject: template.name, detail: name })
      return saved
    } catch (err) {
      await cleanup(ctx, name, domainDefined, made, err)
      throw err
    }
  })
}

/** Remove a half-made instance; cleanup failures are attached to the original error. */
async function cleanup (ctx: Pick<ServiceContext, 'driver'>, name: string, domainDefined: boolean, images: string[], cause: unknown): Promise<void> {
  const steps: Array<() => Promise<void>> = []
  if (domainDefined) steps.push(async () => { await ctx.driver.removeDomain(name) })
  for (const p of [...images].reverse()) steps.push(async () => { await ctx.driver.deleteImage(p) })
  await undo(cause, steps, 'removing the half-made instance')
}

function cloneModeFor (ctx: Pick<InstanceContext, 'driver' | 'options'>, asked: 'cow' | 'copy' | undefined): 'cow' | 'copy' {
  const wanted = asked ?? ctx.options.cloneMode
  if (wanted === 'copy') return 'copy'
  const cow = ctx.driver.capabilities().copyOnWriteClone
  return cow ? 'cow' : 'copy'
}

/** The instance's domain spec: the template's, with its own name, disks, MAC and guest host name. */
export function instanceSpec (template: TemplateRecord, name: string, id: string, mac: string): DomainSpec {
  const byTarget = new Map(template.images.map(i => [i.target, i]))
  return {
    ...structuredClone(template.spec),
    name,
    disks: template.spec.disks.map(d => byTarget.has(d.target) ? { ...d, image: paths.serviceImage(id, d.target) } : { ...d }),
    nics: template.spec.nics.map((n, i) => i === 0 ? { ...n, mac } : { ...n, mac: undefined }).map(n => n.mac === undefined ? { bridge: n.bridge } : n),
    annotations: { ...(template.spec.annotations ?? {}), 'xenos.serviceId': id, 'xenos.hostname': name.toLowerCase().replace(/[^a-z0-9-]/g, '-') }
  }
}

function unique (xs: string[]): string[] {
  return [...new Set(xs)]
}

/**
 * Eight characters of an id that differ between ids of one host: the end
 * of its longest segment (the ULID's random part in `svc-<ulid>-<peer tag>`;
 * the peer tag is the same for every id a host makes).
 */
export function shortId (id: string): string {
  const longest = id.split(/[^A-Za-z0-9]+/).reduce((a, b) => b.length > a.length ? b : a, '')
  return longest.slice(-8).toLowerCase()
}

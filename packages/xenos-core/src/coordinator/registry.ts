/**
 * The coordinator's registry: services, templates and groups of one host,
 * kept in memory and persisted through a `StateStore` on every change.
 *
 * Every mutating method resolves only once the change is on disk, so what
 * a caller was told happened survives a crash.
 */
import type { GroupRecord, ServiceRecord, StateSnapshot, TemplateRecord } from './records.js'
import { AlreadyExistsError, InvalidArgumentError, ServiceNotFoundError, TemplateNotFoundError } from './errors.js'

/** The overlay's rule for group names (they become pubsub topics). */
const GROUP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Throws `InvalidArgumentError` unless `name` is a valid group name. */
export function assertGroupName (name: unknown, field = 'group'): asserts name is string {
  if (typeof name !== 'string' || !GROUP_RE.test(name)) {
    throw new InvalidArgumentError(field, 'a group name of 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit', name)
  }
}

export interface Registry {
  readonly hostname: string
  /** Load from a snapshot (replaces everything). */
  restore (snap: StateSnapshot): void
  snapshot (bootCount: number): StateSnapshot
  // services
  services (): ServiceRecord[]
  /** By id, else by name; undefined when absent. */
  findService (idOrName: string): ServiceRecord | undefined
  /** By id or name; `ServiceNotFoundError` when absent. */
  service (idOrName: string): ServiceRecord
  addService (record: ServiceRecord): Promise<ServiceRecord>
  updateService (id: string, patch: Partial<Omit<ServiceRecord, 'id'>>): Promise<ServiceRecord>
  removeService (id: string): Promise<ServiceRecord | undefined>
  // templates
  templates (): TemplateRecord[]
  findTemplate (name: string): TemplateRecord | undefined
  template (name: string): TemplateRecord
  putTemplate (record: TemplateRecord): Promise<TemplateRecord>
  removeTemplate (name: string): Promise<void>
  // groups
  groups (): GroupRecord[]
  createGroup (name: string): Promise<GroupRecord>
  joinGroup (serviceId: string, group: string): Promise<ServiceRecord>
  leaveGroup (serviceId: string, group: string): Promise<ServiceRecord>
}

/** A registry persisting through `persist` (normally `StateStore.save`). */
export function registry (init: { hostname: string }, components: { persist: () => Promise<void> }): Registry {
  const services = new Map<string, ServiceRecord>()
  const templates = new Map<string, TemplateRecord>()
  /** Groups made at run time (config groups exist through their members). */
  const runtimeGroups = new Set<string>()
  const { hostname } = init
  const persist = components.persist

  function findService (idOrName: string): ServiceRecord | undefined {
    const byId = services.get(idOrName)
    if (byId !== undefined) return byId
    for (const s of services.values()) if (s.name === idOrName) return s
    return undefined
  }

  function service (idOrName: string): ServiceRecord {
    const s = findService(idOrName)
    if (s === undefined) throw new ServiceNotFoundError(idOrName, hostname)
    return s
  }

  function groups (): GroupRecord[] {
    const out = new Map<string, GroupRecord>()
    for (const g of runtimeGroups) out.set(g, { name: g, members: [], createdAtRuntime: true })
    for (const s of services.values()) {
      for (const g of s.groups) {
        const rec = out.get(g) ?? { name: g, members: [], createdAtRuntime: false }
        rec.members.push(s.id)
        out.set(g, rec)
      }
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  return {
    hostname,
    restore (snap) {
      services.clear(); templates.clear(); runtimeGroups.clear()
      for (const s of snap.services) services.set(s.id, structuredClone(s))
      for (const t of snap.templates) templates.set(t.name, structuredClone(t))
      for (const g of snap.groups) if (g.createdAtRuntime) runtimeGroups.add(g.name)
    },
    snapshot (bootCount) {
      return {
        bootCount,
        services: [...services.values()],
        templates: [...templates.values()],
        groups: groups()
      }
    },
    services: () => [...services.values()].map(s => structuredClone(s)),
    findService: (idOrName) => {
      const s = findService(idOrName)
      return s === undefined ? undefined : structuredClone(s)
    },
    service: idOrName => structuredClone(service(idOrName)),
    async addService (record) {
      if (services.has(record.id)) throw new AlreadyExistsError('service id', record.id, hostname)
      for (const s of services.values()) if (s.name === record.name) throw new AlreadyExistsError('service name', record.name, hostname)
      record.groups.forEach((g, i) => { assertGroupName(g, `groups[${i}]`) })
      services.set(record.id, structuredClone(record))
      await persist()
      return structuredClone(record)
    },
    async updateService (id, patch) {
      const s = services.get(id)
      if (s === undefined) throw new ServiceNotFoundError(id, hostname)
      const next = { ...s, ...structuredClone(patch), id: s.id }
      services.set(id, next)
      await persist()
      return structuredClone(next)
    },
    async removeService (id) {
      const s = services.get(id)
      if (s === undefined) return undefined
      services.delete(id)
      await persist()
      return s
    },
    templates: () => [...templates.values()].map(t => structuredClone(t)),
    findTemplate: (name) => {
      const t = templates.get(name)
      return t === undefined ? undefined : structuredClone(t)
    },
    template (name) {
      const t = templates.get(name)
      if (t === undefined) throw new TemplateNotFoundError(name, `host ${hostname}`)
      return structuredClone(t)
    },
    async putTemplate (record) {
      templates.set(record.name, structuredClone(record))
      await persist()
      return structuredClone(record)
    },
    async removeTemplate (name) {
      if (templates.delete(name)) await persist()
    },
    groups,
    async createGroup (name) {
      assertGroupName(name)
      if (!runtimeGroups.has(name)) {
        runtimeGroups.add(name)
        await persist()
      }
      return groups().find(g => g.name === name) ?? { name, members: [], createdAtRuntime: true }
    },
    async joinGroup (serviceId, group) {
      assertGroupName(group)
      const s = service(serviceId)
      if (s.groups.includes(group)) return structuredClone(s)
      s.groups = [...s.groups, group]
      await persist()
      return structuredClone(s)
    },
    async leaveGroup (serviceId, group) {
      assertGroupName(group)
      const s = service(serviceId)
      if (!s.groups.includes(group)) return structuredClone(s)
      s.groups = s.groups.filter(g => g !== group)
      await persist()
      return structuredClone(s)
    }
  }
}

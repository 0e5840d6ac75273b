/**
 * Checks of records that come from outside this process: a service record
 * another host sends in a migration, and every record of the state file
 * when the coordinator starts. Each throws `InvalidArgumentError` naming the
 * field by its path (`services[3].state`), what was expected and what was found.
 */
import { assertDomainName } from '@xenos/hypervisor-interface'
import { InvalidArgumentError } from './errors.js'
import { SERVICE_STATES, type GroupRecord, type Reservation, type ServiceRecord, type StateSnapshot, type TemplateRecord } from './records.js'
import { assertGroupName } from './registry.js'
import type { GuardRecord } from '../failover/agent.js'
import { restartPolicy } from '../failover/policy.js'

function isStruct (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function strings (v: unknown, field: string): void {
  if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new InvalidArgumentError(field, 'an array of strings', v)
}

function stringMap (v: unknown, field: string): void {
  if (!isStruct(v) || Object.values(v).some(x => typeof x !== 'string')) throw new InvalidArgumentError(field, 'a struct of strings', v)
}

function text (v: unknown, field: string): void {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidArgumentError(field, 'a non-empty string', v)
}

function count (v: unknown, field: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError(field, 'a number >= 0', v)
}

function endpoints (v: unknown, field: string): void {
  if (!Array.isArray(v)) throw new InvalidArgumentError(field, 'an array of endpoints', v)
  v.forEach((e: unknown, i) => {
    if (!isStruct(e)) throw new InvalidArgumentError(`${field}[${i}]`, 'an endpoint struct {protocol, port, address?}', e)
    text(e.protocol, `${field}[${i}].protocol`)
    if (typeof e.port !== 'number' || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
      throw new InvalidArgumentError(`${field}[${i}].port`, 'an integer from 1 to 65535', e.port)
    }
  })
}

/** Checks a service record; throws `InvalidArgumentError` naming the field. */
export function validateServiceRecord (r: ServiceRecord, field: string): void {
  if (!isStruct(r)) throw new InvalidArgumentError(field, 'a service record struct', r)
  for (const f of ['id', 'name', 'template', 'owner', 'domainName', 'guestHostname', 'mac', 'createdAt'] as const) text(r[f], `${field}.${f}`)
  assertDomainName(r.domainName, `${field}.domainName`)
  for (const f of ['groups', 'grantees'] as const) strings(r[f], `${field}.${f}`)
  r.groups.forEach((g, i) => { assertGroupName(g, `${field}.groups[${i}]`) })
  stringMap(r.attributes, `${field}.attributes`)
  endpoints(r.endpoints, `${field}.endpoints`)
  if (!(SERVICE_STATES as readonly unknown[]).includes(r.state)) {
    throw new InvalidArgumentError(`${field}.state`, `one of ${SERVICE_STATES.join(', ')}`, r.state)
  }
  if (r.restart !== undefined) restartPolicy(r.restart, `${field}.restart`)
  if (r.generation !== undefined && !(Number.isSafeInteger(r.generation) && r.generation >= 1)) {
    throw new InvalidArgumentError(`${field}.generation`, 'an integer >= 1', r.generation)
  }
}

/** Checks a template record as the state file keeps it. */
export function validateTemplateRecord (t: TemplateRecord, field: string): void {
  if (!isStruct(t)) throw new InvalidArgumentError(field, 'a template record struct', t)
  text(t.name, `${field}.name`)
  if (!isStruct(t.spec)) throw new InvalidArgumentError(`${field}.spec`, 'a domain spec struct', t.spec)
  if (!Array.isArray(t.images)) throw new InvalidArgumentError(`${field}.images`, 'an array of images {path, sizeBytes, target}', t.images)
  t.images.forEach((img: unknown, i) => {
    if (!isStruct(img)) throw new InvalidArgumentError(`${field}.images[${i}]`, 'an image struct {path, sizeBytes, target}', img)
    text(img.path, `${field}.images[${i}].path`)
    count(img.sizeBytes, `${field}.images[${i}].sizeBytes`)
    text(img.target, `${field}.images[${i}].target`)
  })
  strings(t.defaultGroups, `${field}.defaultGroups`)
  stringMap(t.defaultAttributes, `${field}.defaultAttributes`)
  endpoints(t.endpoints, `${field}.endpoints`)
  if (t.origin !== 'config' && t.origin !== 'replicated') throw new InvalidArgumentError(`${field}.origin`, '"config" or "replicated"', t.origin)
}

function validateGroupRecord (g: GroupRecord, field: string): void {
  if (!isStruct(g)) throw new InvalidArgumentError(field, 'a group record struct', g)
  assertGroupName(g.name, `${field}.name`)
  strings(g.members, `${field}.members`)
  if (typeof g.createdAtRuntime !== 'boolean') throw new InvalidArgumentError(`${field}.createdAtRuntime`, 'a boolean', g.createdAtRuntime)
}

function validateReservation (r: { migrationId: string, reservation: Reservation }, field: string): void {
  if (!isStruct(r) || !isStruct(r.reservation)) throw new InvalidArgumentError(field, 'a struct {migrationId, reservation}', r)
  text(r.migrationId, `${field}.migrationId`)
  for (const f of ['memoryMiB', 'diskBytes', 'expiresAtMs', 'preparedAtMs'] as const) count(r.reservation[f], `${field}.reservation.${f}`)
  if (r.reservation.record !== undefined) validateServiceRecord(r.reservation.record, `${field}.reservation.record`)
}

/** Checks a guard record (from a peer, or the state file): its fields, its policy and its service record. */
export function validateGuardRecord (g: GuardRecord<ServiceRecord>, field: string): void {
  if (!isStruct(g)) throw new InvalidArgumentError(field, 'a guard record {serviceId, generation, owner, policy, guardians, record}', g)
  if (typeof g.serviceId !== 'string' || g.serviceId.length === 0) throw new InvalidArgumentError(`${field}.serviceId`, 'a service id', g.serviceId)
  if (!Number.isSafeInteger(g.generation) || g.generation < 1) throw new InvalidArgumentError(`${field}.generation`, 'an integer >= 1', g.generation)
  if (typeof g.owner !== 'string' || g.owner.length === 0) throw new InvalidArgumentError(`${field}.owner`, 'a host name', g.owner)
  restartPolicy(g.policy, `${field}.policy`)
  if (!Array.isArray(g.guardians) || g.guardians.length > 16 || g.guardians.some(h => typeof h !== 'string' || h.length === 0)) {
    throw new InvalidArgumentError(`${field}.guardians`, 'at most 16 host names', g.guardians)
  }
  if (g.checkpoint !== undefined) {
    const c = g.checkpoint
    const ok = isStruct(c) && typeof c.path === 'string' && c.path.length > 0 && Number.isSafeInteger(c.sizeBytes) && c.sizeBytes >= 0
      && typeof c.takenAtMs === 'number'
    if (!ok) {
      throw new InvalidArgumentError(`${field}.checkpoint`, 'a checkpoint {path, sizeBytes, takenAtMs}', c)
    }
  }
  validateServiceRecord(g.record, `${field}.record`)
  if (g.record.id !== g.serviceId) throw new InvalidArgumentError(`${field}.record.id`, `the guard's service id ${g.serviceId}`, g.record.id)
}

/**
 * Checks every record of a snapshot read back from disk, and that ids and
 * names are unique; throws `InvalidArgumentError` whose field is the
 * record's position (`services[1].id`).
 */
export function validateSnapshot (snap: StateSnapshot): void {
  if (!isStruct(snap)) throw new InvalidArgumentError('snapshot', 'a struct {bootCount, services, templates, groups}', snap)
  if (typeof snap.bootCount !== 'number' || !Number.isInteger(snap.bootCount) || snap.bootCount < 0) {
    throw new InvalidArgumentError('bootCount', 'an integer >= 0', snap.bootCount)
  }
  for (const f of ['services', 'templates', 'groups'] as const) {
    if (!Array.isArray(snap[f])) throw new InvalidArgumentError(f, 'an array of records', snap[f])
  }
  const ids = new Set<string>()
  const names = new Set<string>()
  snap.services.forEach((s, i) => {
    validateServiceRecord(s, `services[${i}]`)
    if (ids.has(s.id)) throw new InvalidArgumentError(`services[${i}].id`, 'an id not used by another service', s.id)
    if (names.has(s.name)) throw new InvalidArgumentError(`services[${i}].name`, 'a name not used by another service', s.name)
    ids.add(s.id)
    names.add(s.name)
  })
  const templates = new Set<string>()
  snap.templates.forEach((t, i) => {
    validateTemplateRecord(t, `templates[${i}]`)
    if (templates.has(t.name)) throw new InvalidArgumentError(`templates[${i}].name`, 'a name not used by another template', t.name)
    templates.add(t.name)
  })
  snap.groups.forEach((g, i) => { validateGroupRecord(g, `groups[${i}]`) })
  if (snap.reservations !== undefined) {
    if (!Array.isArray(snap.reservations)) throw new InvalidArgumentError('reservations', 'an array of reservations', snap.reservations)
    snap.reservations.forEach((r, i) => { validateReservation(r, `reservations[${i}]`) })
  }
  if (snap.failover !== undefined) {
    const f = snap.failover
    if (!isStruct(f) || !Array.isArray(f.held) || !Array.isArray(f.own)) throw new InvalidArgumentError('failover', 'a struct {held, own} of guard records', f)
    f.held.forEach((h, i) => {
      validateGuardRecord(h.guard, `failover.held[${i}].guard`)
      if (h.copy !== undefined && typeof h.copy !== 'string') throw new InvalidArgumentError(`failover.held[${i}].copy`, 'an image path', h.copy)
    })
    f.own.forEach((g, i) => { validateGuardRecord(g, `failover.own[${i}]`) })
  }
}

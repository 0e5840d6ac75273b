/**
 * Service config files: one YAML file per template or per service, in the
 * host's services directory.
 *
 * ```yaml
 * # templates/hadoop-slave.yaml: a service type (domain spec fields, images, defaults)
 * kind: template
 * name: hadoop-slave
 * vcpus: 1
 * memoryMiB: 256
 * disks:
 *   - { image: templates/hadoop-slave/root.img, target: xvda, sizeBytes: 1073741824 }
 * boot: { kind: pvh, kernel: /boot/vmlinuz-xen, cmdline: "root=/dev/xvda ro" }
 * nics: [{ bridge: xenbr0 }]
 * groups: [hadoop]
 * attributes: { role: slave }
 * endpoints: [{ protocol: http, port: 50060 }]
 * ```
 *
 * ```yaml
 * # slave-1.yaml: a service instance of a template
 * kind: service
 * name: slave-1
 * template: hadoop-slave
 * owner: alice
 * autostart: true
 * groups: [hadoop, alice]
 * restart:                         # what survivors do when this host fails (default: never)
 *   mode: resume                   # never | restart (from its template) | resume (from its latest checkpoint)
 *   placement: "freeMemoryMiB>=512"  # host search query: where it may run again
 *   checkpointIntervalS: 30        # resume: seconds between two checkpoints (default 60)
 *   replicas: 2                    # k: hosts that hold its record and latest checkpoint (default 2)
 * ```
 */
import { validateDomainSpec, type DomainSpec } from '@xenos/hypervisor-interface'
import type { ConfigOrigin } from '../coordinator/ports.js'
import {
  CHECKPOINT_INTERVAL_RANGE_S, DEFAULT_RESTART_POLICY, MAX_PLACEMENT_LENGTH, MAX_REPLICAS, RESTART_MODES, type RestartPolicy
} from '../failover/policy.js'
import { parseQuery } from '../search/query.js'
import { z } from 'zod'

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const name = z.string().regex(NAME_RE, { error: 'a name of 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
const groupName = z.string().regex(NAME_RE, { error: 'a group name of 1-64 letters, digits, ".", "_" or "-"' })
const userName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, { error: 'a user name of 1-64 letters, digits, ".", "_", "@" or "-"' })

/** Attribute values are strings; YAML numbers and booleans are accepted and turned into strings. */
const attributes = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'an attribute name of letters, digits, "_", "." or "-"' }),
  z.union([z.string().max(1024), z.number(), z.boolean()], { error: 'a string, number or boolean' }).transform(String)
).default({})

const endpoint = z.strictObject({
  protocol: z.string().regex(/^[a-z][a-z0-9+.-]{0,31}$/, { error: 'a lowercase protocol name such as http' }),
  port: z.int().min(1).max(65535),
  address: z.string().min(1).max(255).optional()
})

const disk = z.strictObject({
  image: z.string().min(1),
  target: z.string(),
  format: z.enum(['raw', 'qcow2']).default('raw'),
  mode: z.enum(['rw', 'ro']).default('rw'),
  /** Logical size of the image, in bytes. */
  sizeBytes: z.int().min(1)
})

export const templateFileSchema = z.strictObject({
  kind: z.literal('template'),
  name,
  vcpus: z.int().min(1).max(512),
  memoryMiB: z.int().min(16),
  disks: z.array(disk).default([]),
  boot: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.enum(['pv', 'pvh']), kernel: z.string().min(1), ramdisk: z.string().min(1).optional(), cmdline: z.string().optional() }),
    z.strictObject({ kind: z.literal('hvm') })
  ]),
  nics: z.array(z.strictObject({ bridge: z.string(), mac: z.string().optional() })).default([]),
  annotations: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  groups: z.array(groupName).default([]),
  attributes,
  endpoints: z.array(endpoint).default([])
})

/** A host search query (the placement of a restart policy). */
const placement = z.string().max(MAX_PLACEMENT_LENGTH).superRefine((text, ctx) => {
  try {
    parseQuery(text)
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `a host search query (${(err as Error).message.split('\n')[0]})`, input: text })
  }
})

const restart = z.strictObject({
  mode: z.enum(RESTART_MODES),
  placement: placement.default(DEFAULT_RESTART_POLICY.placement),
  checkpointIntervalS: z.number().min(CHECKPOINT_INTERVAL_RANGE_S.min).max(CHECKPOINT_INTERVAL_RANGE_S.max)
    .default(DEFAULT_RESTART_POLICY.checkpointIntervalS),
  replicas: z.int().min(1).max(MAX_REPLICAS).default(DEFAULT_RESTART_POLICY.replicas)
})

export const serviceFileSchema = z.strictObject({
  kind: z.literal('service'),
  name,
  /** A fixed overlay id; one is generated when absent. */
  id: z.string().regex(/^[a-z]{1,8}-[0-9a-z]{26}-[0-9a-z]{8}$/, { error: 'an id as made by ids.ts (<kind>-<26 base32>-<8 base32>)' }).optional(),
  template: name,
  owner: userName.default('admin'),
  autostart: z.boolean().default(false),
  vcpus: z.int().min(1).max(512).optional(),
  memoryMiB: z.int().min(16).optional(),
  groups: z.array(groupName).default([]),
  attributes,
  endpoints: z.array(endpoint).default([]),
  /** What survivors do with the service when its host fails. */
  restart: restart.optional()
})

export const configFileSchema = z.discriminatedUnion('kind', [templateFileSchema, serviceFileSchema])

export interface Endpoint { protocol: string, port: number, address?: string }

/** A template as loaded (the coordinator's `TemplateConfig`). */
export interface TemplateConfig {
  name: string
  /** The domain spec; `spec.name` is the template name. */
  spec: DomainSpec
  images: Array<{ path: string, sizeBytes: number, target: string }>
  groups: string[]
  attributes: Record<string, string>
  endpoints: Endpoint[]
  /** `file:line`, for messages. */
  source: string
  /** Where its fields are in the file. */
  at?: ConfigOrigin
}

/** A service as loaded (the coordinator's `ServiceConfig`). */
export interface ServiceConfig {
  name: string
  id?: string
  template: string
  groups: string[]
  attributes: Record<string, string>
  endpoints: Endpoint[]
  owner: string
  autostart: boolean
  vcpus?: number
  memoryMiB?: number
  /** What survivors do with it when its host fails (absent: never). */
  restart?: RestartPolicy
  source: string
  /** Where its fields are in the file. */
  at?: ConfigOrigin
}

/**
 * Builds a template's domain spec and checks it with the driver contract's
 * validator. Throws `InvalidSpecError` (its `field` is a path such as `disks[0].target`).
 */
export function templateFromFile (t: z.output<typeof templateFileSchema>, source: string, at?: ConfigOrigin): TemplateConfig {
  const spec = validateDomainSpec({
    name: t.name,
    vcpus: t.vcpus,
    memoryMiB: t.memoryMiB,
    disks: t.disks.map(d => ({ image: d.image, target: d.target, format: d.format, mode: d.mode })),
    boot: t.boot,
    nics: t.nics,
    ...(t.annotations !== undefined ? { annotations: t.annotations } : {})
  })
  return {
    name: t.name,
    spec,
    images: t.disks.map(d => ({ path: d.image, sizeBytes: d.sizeBytes, target: d.target })),
    groups: t.groups,
    attributes: t.attributes,
    endpoints: t.endpoints,
    source,
    ...(at === undefined ? {} : { at })
  }
}

export function serviceFromFile (s: z.output<typeof serviceFileSchema>, source: string, at?: ConfigOrigin): ServiceConfig {
  return {
    name: s.name,
    ...(s.id !== undefined ? { id: s.id } : {}),
    template: s.template,
    groups: s.groups,
    attributes: s.attributes,
    endpoints: s.endpoints,
    owner: s.owner,
    autostart: s.autostart,
    ...(s.vcpus !== undefined ? { vcpus: s.vcpus } : {}),
    ...(s.memoryMiB !== undefined ? { memoryMiB: s.memoryMiB } : {}),
    ...(s.restart !== undefined ? { restart: { ...s.restart, placement: s.restart.placement.trim() } } : {}),
    source,
    ...(at === undefined ? {} : { at })
  }
}

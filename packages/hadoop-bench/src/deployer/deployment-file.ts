/**
 * The deployment file: what the generic deployer should make.
 *
 * ```yaml
 * deployment: hadoop-vm2          # names this deployment; its instances carry attributes.deployment=hadoop-vm2
 * template: hadoop-slave
 * hosts:
 *   count: 12                     # how many hosts (the first, by name, of those matching)
 *   query: "freeMemoryMiB>=768"   # optional Xenos search query the hosts must match
 *   exclude: [node00]             # the master's host takes no slaves
 * instancesPerHost: 2
 * groups: [hadoop]
 * attributes: { role: slave }     # optional, on every instance
 * startTimeoutS: 300              # optional, per instance
 * settings:                       # optional, for the service-specific part (e.g. hadoop:)
 *   hadoop: { line: "1", master: master-vm }
 * ```
 *
 * Validated with zod; errors name file, line, field, expected and found.
 */
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument } from 'yaml'
import { z } from 'zod'

const hostName = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'a host name')
const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a group name of letters, digits, ".", "_", "-"')

export const deploymentSchema = z.strictObject({
  deployment: z.string().regex(/^[a-z0-9][a-z0-9-]{0,23}$/, 'a deployment name of 1-24 lower-case letters, digits and "-"'),
  template: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a template name'),
  hosts: z.strictObject({
    count: z.number().int().positive().optional(),
    query: z.string().max(4096).optional(),
    exclude: z.array(hostName).default([])
  }).refine(h => h.count !== undefined || h.query !== undefined, 'a host count, a query, or both'),
  instancesPerHost: z.number().int().min(1).max(64),
  groups: z.array(groupName).default([]),
  attributes: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'an attribute name'), z.string()).default({})
    .refine(a => !('deployment' in a) && !('deploymentSlot' in a), 'no "deployment" or "deploymentSlot" attribute (the deployer sets them)'),
  startTimeoutS: z.number().positive().default(300),
  settings: z.record(z.string(), z.unknown()).default({})
})

export type DeploymentSpec = z.output<typeof deploymentSchema>
export type DeploymentInput = z.input<typeof deploymentSchema>

export class DeploymentFileError extends Error {
  constructor (readonly file: string, readonly line: number | undefined, readonly field: string, readonly expected: string, readonly found: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field}: expected ${expected}, found ${found}`)
    this.name = 'DeploymentFileError'
  }
}

type Ranged = { range?: [number, number, number] } | undefined

/** Parses and validates a deployment file's text. */
export function parseDeployment (text: string, file: string): DeploymentSpec {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    throw new DeploymentFileError(file, lineCounter.linePos(e.pos[0]).line, '(document)', 'valid YAML', e.message)
  }
  const data: unknown = doc.toJS()
  const result = deploymentSchema.safeParse(data)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol')
  let pos: number | undefined
  for (let n = path.length; n >= 0 && pos === undefined; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Ranged
    pos = node?.range?.[0]
  }
  const found = valueAt(data, path)
  throw new DeploymentFileError(file, pos !== undefined ? lineCounter.linePos(pos).line : undefined,
    path.join('.') || '(root)', issue.message, found === undefined ? 'nothing' : JSON.stringify(found))
}

/** Validates a deployment given as an object (not from a file). */
export function validateDeployment (input: DeploymentInput): DeploymentSpec {
  const result = deploymentSchema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol')
  const found = valueAt(input, path)
  throw new DeploymentFileError('(object)', undefined, path.join('.') || '(root)', issue.message, found === undefined ? 'nothing' : JSON.stringify(found))
}

function valueAt (data: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur = data
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string | number, unknown>)[k]
  }
  return cur
}

export async function loadDeployment (file: string): Promise<DeploymentSpec> {
  return parseDeployment(await readFile(file, 'utf8'), file)
}

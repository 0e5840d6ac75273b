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
 * concurrency: 12                 # optional, hosts worked on at once (default: the deployer's, 4)
 * settings:                       # optional, for the service-specific part (e.g. hadoop:)
 *   hadoop: { line: "1", master: master-vm }
 * ```
 *
 * Validated with zod; errors name file, line, field, expected and found.
 */
import { readFile } from 'node:fs/promises'
import { parseData, parseYamlFile } from '@xenos/config-file'
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
  concurrency: z.number().int().min(1).max(1024).optional(),
  settings: z.record(z.string(), z.unknown()).default({})
})

export type DeploymentSpec = z.output<typeof deploymentSchema>
export type DeploymentInput = z.input<typeof deploymentSchema>

/** Parses and validates the file's text; throws `ConfigFileError` naming file, line, field, expected and found. */
export function parseDeployment (text: string, file: string): DeploymentSpec {
  return parseYamlFile(deploymentSchema, text, file)
}

/** Validates a deployment given as an object (not from a file). */
export function validateDeployment (input: DeploymentInput): DeploymentSpec {
  return parseData(deploymentSchema, input, '(deployment object)')
}

export async function loadDeployment (file: string): Promise<DeploymentSpec> {
  return parseDeployment(await readFile(file, 'utf8'), file)
}

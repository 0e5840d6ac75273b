/**
 * The testbed file of `--backend xen`: which real lab the experiments run
 * on. It names the Xenos API of the lab's coordinators (and where the API
 * token is kept, never the token itself), the master host and the slave
 * hosts, how to reach the Hadoop master by SSH, the installed Hadoop and
 * the commands that start and stop it, the templates of the Hadoop master
 * and slaves per VM setup, and, for the native setups (PHY, PHY-1CORE), an
 * inventory file of natively booted hosts (hadoop-bench's format).
 *
 * ```yaml
 * name: lab-2010                   # recorded as the platform name of the results
 * api:
 *   endpoints: [https://node00:7001/RPC2, https://node01:7001/RPC2]
 *   tokenFile: /home/me/.xenos/admin.token   # or tokenEnv (default XENOS_TOKEN)
 *   tls: { fingerprint256: "AB:CD:..." }      # or { caFile: /path/ca.pem }: how the coordinators' HTTPS is trusted
 *   user: admin                    # optional: Basic credentials instead of Bearer
 * masterHost: node00               # runs the Hadoop master VM, takes no slaves
 * slaveHosts: [node01, node02, node03]   # used in this order
 * ssh: { user: hadoop, keyFile: /home/me/.ssh/id_ed25519 }
 * hadoop:
 *   home: /opt/hadoop-0.20.2
 *   line: "1"
 *   start: [/opt/xenos-lab/hadoop-start]   # run on the master once its configuration is written
 *   stop: [/opt/hadoop-0.20.2/bin/stop-all.sh]
 * setups:
 *   VM1: { master: hadoop-master, slaves: hadoop-slave }
 * native:
 *   PHY: phy.yaml                  # relative to this file
 * ```
 *
 * Validated with zod through `@xenos/config-file`: a bad file gives a
 * `ConfigFileError` naming file, line, column, field, expected and found.
 */
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parseYamlFile } from '@xenos/config-file'
import { SETUPS, absPathSchema as absPath, hadoopInstallSchema, hostNameSchema as hostName, sshSettingsSchema } from '@xenos/hadoop-bench'
import { z } from 'zod'

const templateName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a template name')
const apiUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an API URL such as https://node00:7001/RPC2')
/** Loopback hosts, where a coordinator serves plain HTTP by default. */
const LOOPBACK_URL = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/
const fingerprint = z.string()
  .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'a SHA-256 fingerprint (64 hex digits, colons optional), as `xenos coordinator` prints it')
const command = z.array(z.string().min(1)).min(1, 'a command as a list of arguments')
const VM_SETUPS: readonly string[] = Object.values(SETUPS).filter(s => s.virtualized).map(s => s.id)
const NATIVE_SETUPS: readonly string[] = Object.values(SETUPS).filter(s => !s.virtualized).map(s => s.id)
const setupTemplates = z.strictObject({ master: templateName, slaves: templateName })
const templateNames = z.union([templateName.transform(n => [n]), z.array(templateName).min(1, 'at least one template name')])

export const xenTestbedFileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits and ._-'),
  api: z.strictObject({
    endpoints: z.array(apiUrl).min(1, 'at least one API URL'),
    /** File holding the API token (one line). */
    tokenFile: absPath.optional(),
    /** Environment variable holding the API token. @default 'XENOS_TOKEN' */
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    /** Send Basic credentials as this user (Bearer when absent). */
    user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'a user name').optional(),
    searchDeadlineMs: z.number().int().min(100).max(60_000).default(2000),
    /** Longest single API call (a replication or a migration), in seconds. */
    callTimeoutS: z.number().positive().max(86_400).default(3600),
    /** How the coordinators' HTTPS is trusted: the fingerprint their certificate has (printed by `xenos coordinator`), or a CA file. */
    tls: z.strictObject({ fingerprint256: fingerprint.optional(), caFile: absPath.optional() })
      .refine(t => (t.fingerprint256 === undefined) !== (t.caFile === undefined), 'either fingerprint256 or caFile').optional(),
    /** Accept plain http:// endpoints off loopback (tokens then cross the network in clear). @default false */
    insecureHttp: z.boolean().default(false)
  }).refine(a => a.tokenFile === undefined || a.tokenEnv === undefined, 'either tokenFile or tokenEnv, not both')
    .refine(a => a.insecureHttp || a.endpoints.every(u => u.startsWith('https://') || LOOPBACK_URL.test(u)),
      { message: 'https:// endpoints off loopback (coordinators serve HTTPS there; insecureHttp: true to send tokens in clear)', path: ['endpoints'] }),
  masterHost: hostName,
  slaveHosts: z.array(hostName).min(1, 'at least one slave host'),
  /** The same fields as an inventory's `ssh` (hadoop-bench). */
  ssh: sshSettingsSchema.default({}),
  /** An inventory's `hadoop` fields, and how to configure, start and stop it. */
  hadoop: hadoopInstallSchema.extend({
    /** Where the configuration files go on the master. @default `<home>/conf` (line 1), `<home>/etc/hadoop` (2+) */
    confDir: absPath.optional(),
    /** Run on the master after its configuration is written: copies it to the slaves, formats HDFS, starts the daemons. */
    start: command,
    /** Run on the master before a cluster is released. */
    stop: command.optional()
  }),
  /** Templates of the Hadoop master and slaves, per VM setup. */
  setups: z.strictObject(Object.fromEntries(VM_SETUPS.map(id => [id, setupTemplates.optional()]))).default({}),
  /** Inventory file (hadoop-bench's format) per native setup, relative to this file. */
  native: z.strictObject(Object.fromEntries(NATIVE_SETUPS.map(id => [id, z.string().min(1, 'an inventory file path').optional()]))).default({}),
  /** `deployTemplate` (the `deploy` experiment): the template on the master host, and the hardware for the physical limit. */
  deploy: z.strictObject({
    /**
     * The template each method deploys, held by the master host only. A
     * deployment uses the first name no target host holds yet: the API cannot
     * remove a replicated template, so each repetition needs its own names
     * (same images); one name per method allows one run on fresh hosts.
     */
    templates: z.strictObject({ paper: templateNames, xenos: templateNames })
      .refine(t => !t.paper.some(n => t.xenos.includes(n)), 'different template names for the two methods (a host that holds a template replicates nothing)'),
    nicBps: z.number().positive(),
    diskReadBps: z.number().positive(),
    diskWriteBps: z.number().positive()
  }).optional(),
  migration: z.strictObject({
    /** Search query for the master's new host (the current host is never chosen). */
    target: z.string().max(4096).default('freeMemoryMiB>=1024'),
    live: z.boolean().default(true),
    storage: z.enum(['none', 'stop-and-copy', 'pre-copy']).default('stop-and-copy')
  }).default({ target: 'freeMemoryMiB>=1024', live: true, storage: 'stop-and-copy' })
}).superRefine((f, ctx) => {
  const seen = new Map<string, number>()
  f.slaveHosts.forEach((s, i) => {
    if (s === f.masterHost) ctx.addIssue({ code: 'custom', path: ['slaveHosts', i], message: `a slave host other than the master host "${f.masterHost}"` })
    const first = seen.get(s)
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['slaveHosts', i], message: `each host once ("${s}" is also slaveHosts[${first}])` })
    else seen.set(s, i)
  })
})

export type XenTestbedFile = z.output<typeof xenTestbedFileSchema> & { hadoop: { line: '1' | '2+' } }

/** Parses and validates the file's text; inventory paths are made absolute against the file's directory. */
export function parseXenTestbedFile (text: string, file: string): XenTestbedFile {
  const parsed = parseYamlFile(xenTestbedFileSchema, text, file) as XenTestbedFile
  const base = dirname(resolve(file))
  const native: Record<string, string> = {}
  for (const [setup, path] of Object.entries(parsed.native)) if (path !== undefined) native[setup] = isAbsolute(path) ? path : resolve(base, path)
  return { ...parsed, native } as XenTestbedFile
}

export async function loadXenTestbedFile (file: string): Promise<XenTestbedFile> {
  return parseXenTestbedFile(await readFile(file, 'utf8'), file)
}

/** The Hadoop configuration directory on the master. */
export function hadoopConfDir (hadoop: { home: string, line: '1' | '2+', confDir?: string | undefined }): string {
  if (hadoop.confDir !== undefined) return hadoop.confDir
  const home = hadoop.home.replace(/\/+$/, '')
  return hadoop.line === '1' ? `${home}/conf` : `${home}/etc/hadoop`
}

/**
 * The cluster's trust, from the administrator's machine:
 *
 * - `xenos cluster init` makes a cluster (swarm key, admission key, issuing
 *   key; secrets with mode 0600, never printed);
 * - `xenos hosts id` prints a host's peer id, `xenos hosts admit` signs its
 *   admission record, `xenos hosts revoke` withdraws it;
 * - `xenos users add` issues a token, `xenos users revoke` withdraws a
 *   user's tokens (or one token);
 * - `xenos cluster publish` sends the latest revocation lists to a running
 *   cluster (revoke does it too), which spreads them to every host.
 */
import type { Command } from 'commander'
import { ClusterAuthority, hostIdentityDir, loadHostConfig, peerIdOfIdentity, writeFileAtomic, type Role, type SignedDocument } from '@xenos/core'
import { DRIVERS } from '../drivers.js'
import { PublishError, UsageError } from '../errors.js'
import { clientFrom, withClient, type ClientFlags } from './client.js'

type Out = (s: string) => void

/** `30d`, `12h`, `90m`, `45s` (or a number of seconds) in ms. */
export function parseDuration (text: string, flag: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (m === null) throw new UsageError(`${flag}: expected a duration such as 30d, 12h, 90m or 45s, found "${text}"`)
  const unit = { '': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd']
  const ms = Number(m[1]) * unit * 1000
  if (ms < 60_000) throw new UsageError(`${flag}: expected at least one minute, found "${text}"`)
  return ms
}

/** A parent command of `program` by name, made when missing. */
function parent (program: Command, name: string, description: string): Command {
  return program.commands.find(c => c.name() === name) ?? program.command(name).description(description)
}

/** Sends signed revocation lists to the cluster through the API, as a short-lived administrator (unless --token is given). */
async function publish (authority: ClusterAuthority, docs: SignedDocument[], flags: ClientFlags, out: Out): Promise<void> {
  const token = flags.token ?? process.env.XENOS_TOKEN ?? authority.issueToken('cluster-admin', 'admin', { ttlMs: 10 * 60_000 }).token
  const client = clientFrom({ ...flags, token })
  try {
    for (const doc of docs) {
      const r = await client.call('xenos.trust.publish', [doc as unknown as Record<string, string>]) as { kind: string, version: number, adopted: boolean }
      const what = `${r.kind}' revocation list version ${r.version}: ${r.adopted ? 'published' : 'already held'} (${client.endpoints[0] ?? ''})`
      out(`${what}; the overlay spreads it to every host\n`)
    }
  } catch (err) {
    throw new PublishError(`the list is saved in ${authority.dir} but could not be published (${(err as Error).message});`
      + ` publish it with: xenos cluster publish --cluster ${authority.dir} --api <url>`, { cause: err })
  } finally {
    client.close()
  }
}

export function trustCommands (program: Command, io: { out: Out }): void {
  const cluster = parent(program, 'cluster', 'the cluster\'s credentials (administrator)')
  cluster.command('init')
    .description('make a new cluster: swarm key, admission key and token issuing key (mode 0600; hosts get only cluster.json and swarm.key)')
    .option('--dir <dir>', 'where to keep the cluster\'s files', '.xenos/cluster')
    .action(async (opts: { dir: string }) => {
      const a = await ClusterAuthority.create(opts.dir)
      io.out(`cluster ${a.clusterId} in ${a.dir}\n`
        + '  copy cluster.json and swarm.key to every host (host.yaml: cluster: <that directory>);\n'
        + '  keep admission-key.pem and issuer-key.pem on this machine only.\n'
        + `  next: xenos hosts admit <peer id> --cluster ${a.dir} --out admission.json (xenos hosts id --config host.yaml prints a host's peer id)\n`)
    })
  withClient(cluster.command('publish')
    .description('send the latest revocation lists of the cluster to a running coordinator, which spreads them over the overlay'))
    .requiredOption('--cluster <dir>', 'the cluster directory (xenos cluster init)')
    .action(async (opts: ClientFlags & { cluster: string }) => {
      const a = await ClusterAuthority.load(opts.cluster)
      const docs = await a.revocations()
      if (docs.length === 0) { io.out('no revocation list yet: nothing to publish\n'); return }
      await publish(a, docs, opts, io.out)
    })

  const hosts = parent(program, 'hosts', 'coordinators of the cluster')
  hosts.command('id')
    .description('print the peer id of the host a host file describes (its identity is made if missing)')
    .requiredOption('--config <host.yaml>', 'host file')
    .action(async (opts: { config: string }) => {
      const config = await loadHostConfig(opts.config, DRIVERS)
      io.out(`${await peerIdOfIdentity(hostIdentityDir(config.dataDir))}\n`)
    })
  hosts.command('admit')
    .description('sign the admission record of a host (with the cluster\'s admission key): only admitted hosts can connect to the overlay')
    .argument('[peer-id]', 'the host\'s peer id (xenos hosts id); omit with --config on the host itself')
    .requiredOption('--cluster <dir>', 'the cluster directory (xenos cluster init)')
    .option('--config <host.yaml>', 'admit the host this file describes and write its admission where the file says (default <dataDir>/admission.json)')
    .option('--name <name>', 'the host\'s name, bound by the record: peers name the host only so (default: the host file\'s hostname)')
    .option('--out <file>', 'where to write the admission record (default: the host file\'s, else stdout)')
    .action(async (peer: string | undefined, opts: { cluster: string, config?: string, name?: string, out?: string }) => {
      const a = await ClusterAuthority.load(opts.cluster)
      const config = opts.config === undefined ? undefined : await loadHostConfig(opts.config, DRIVERS)
      const peerId = peer ?? (config === undefined ? undefined : await peerIdOfIdentity(hostIdentityDir(config.dataDir)))
      if (peerId === undefined) throw new UsageError('xenos hosts admit: expected a peer id or --config <host.yaml>, found neither')
      const name = opts.name ?? config?.hostname
      if (name === undefined) throw new UsageError('xenos hosts admit: expected the host\'s name (--name, or --config with a hostname), found none')
      const record = JSON.stringify(a.admit(peerId, name))
      const out = opts.out ?? config?.admission
      if (out === undefined) { io.out(`${record}\n`); return }
      await writeFileAtomic(out, `${record}\n`, 0o644)
      io.out(`admitted ${peerId}${name === undefined ? '' : ` (${name})`} to cluster ${a.clusterId}: ${out}\n`)
    })
  withClient(hosts.command('revoke')
    .description('revoke a host: every coordinator refuses it and cuts its connections (the list is signed, kept and spread over the overlay)')
    .argument('<peer-id>', 'the host\'s peer id'))
    .requiredOption('--cluster <dir>', 'the cluster directory (xenos cluster init)')
    .option('--name <name>', 'a name for people')
    .action(async (peerId: string, _opts: unknown, cmd: Command) => {
      // --api, --token and --json also belong to `xenos hosts` (the search): read them from either
      const opts = cmd.optsWithGlobals<ClientFlags & { cluster: string, name?: string }>()
      const a = await ClusterAuthority.load(opts.cluster)
      const doc = await a.revokeHost(peerId, opts.name)
      await publish(a, [doc], opts, io.out)
    })

  const users = parent(program, 'users', 'API users: tokens signed by the cluster\'s issuing key')
  withClient(users.command('add')
    .description('issue a token for a user (printed once; valid on every host at once, until it expires or is revoked)'
      + ' and add the user to the cluster\'s users list')
    .argument('<name>', 'user name'))
    .requiredOption('--cluster <dir>', 'the cluster directory (xenos cluster init)')
    .option('--role <role>', 'admin or user', 'user')
    .option('--ttl <duration>', 'lifetime, e.g. 30d, 12h', '30d')
    .action(async (name: string, opts: ClientFlags & { cluster: string, role: string, ttl: string }) => {
      if (opts.role !== 'admin' && opts.role !== 'user') throw new UsageError(`--role: expected "admin" or "user", found "${opts.role}"`)
      const a = await ClusterAuthority.load(opts.cluster)
      const { token } = a.issueToken(name, opts.role as Role, { ttlMs: parseDuration(opts.ttl, '--ttl') })
      const list = await a.addUser(name)
      io.out(`${token}\n`)
      // the token works at once; grants can name the user once the users list reaches the hosts
      const err = (s: string): void => { process.stderr.write(s) }
      if (opts.api === undefined && process.env.XENOS_API === undefined) {
        err(`grants may name ${name} once the users list is published: xenos cluster publish --cluster ${a.dir} --api <url>\n`)
        return
      }
      await publish(a, [list], opts, err)
    })
  withClient(users.command('revoke')
    .description('revoke every token of a user issued until now (or one token with --token-value); takes effect on the running cluster')
    .argument('[name]', 'user name'))
    .requiredOption('--cluster <dir>', 'the cluster directory (xenos cluster init)')
    .option('--token-value <token>', 'revoke this one token (or its id) instead of a user')
    .action(async (name: string | undefined, opts: ClientFlags & { cluster: string, tokenValue?: string }) => {
      const a = await ClusterAuthority.load(opts.cluster)
      if (name === undefined && opts.tokenValue === undefined) throw new UsageError('expected a user name or --token-value, found neither')
      const doc = opts.tokenValue !== undefined ? await a.revokeToken(opts.tokenValue) : await a.revokeUser(name!)
      await publish(a, [doc], opts, io.out)
    })
}

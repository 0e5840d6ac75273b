/**
 * `xenos deploy FILE` and `xenos teardown NAME`: the generic service
 * deployer (`@xenos/deployer`), through the Xenos API only. A deployment file
 * says which template, on how many hosts (by search), how many instances per
 * host, which hosts to exclude and which groups to join; running it again
 * changes nothing, `teardown` removes what it made.
 */
import type { Command } from 'commander'
import { realClock } from '@xenos/hypervisor-interface'
import { Deployer, formatProgress, loadDeployment, xenosDeployApi, type DeploymentResult } from '@xenos/deployer'
import { UsageError } from '../errors.js'
import { clientFrom, table, withClient, type ClientFlags } from './client.js'

type Out = (s: string) => void

interface DeployFlags extends ClientFlags { poll: string, searchDeadlineMs?: string }

function positive (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a positive number, found "${value}"`)
  return n
}

function deployerFor (flags: DeployFlags, out: Out): { deployer: Deployer, close: () => void } {
  const pollS = positive('--poll', flags.poll)!
  const searchDeadlineMs = positive('--search-deadline-ms', flags.searchDeadlineMs)
  const client = clientFrom(flags)
  const api = xenosDeployApi(client, searchDeadlineMs !== undefined ? { searchDeadlineMs } : {})
  // progress lines go to stderr when the result is printed as JSON on stdout
  const log = flags.json === true ? (s: string) => { process.stderr.write(s) } : out
  const deployer = new Deployer({ api, clock: realClock(), onProgress: (e) => { log(`${formatProgress(e)}\n`) } }, { pollS })
  return { deployer, close: () => { client.close() } }
}

function summary (r: DeploymentResult): string {
  const rows = r.instances.map(i => ({ ...i, made: i.created ? 'created' : i.started ? 'started' : 'kept' }))
  return table(rows, ['name', 'serviceId', 'host', 'slot', 'made'])
    + `deployment ${r.deployment} (${r.template}): ${r.instances.length} instance(s) on ${r.hosts.length} host(s)${r.changed ? '' : ', nothing changed'}`
    + (r.surplus.length > 0 ? `; ${r.surplus.length} surplus instance(s) left alone (teardown removes them)` : '') + '\n'
}

export function deployCommands (program: Command, io: { out: Out }): void {
  withClient(program.command('deploy')
    .description('make a deployment file true through the Xenos API: find hosts by search, replicate the template where missing,'
      + ' create and start instances (running it again changes nothing)')
    .argument('<file>', 'deployment file (YAML; see packages/deployer/src/deployment-file.ts)'))
    .option('--poll <s>', 'seconds between checks while instances start', '1')
    .option('--search-deadline-ms <ms>', 'deadline of each search')
    .action(async (file: string, flags: DeployFlags) => {
      const spec = await loadDeployment(file)
      const { deployer, close } = deployerFor(flags, io.out)
      try {
        const r = await deployer.deploy(spec)
        io.out(flags.json === true ? `${JSON.stringify(r, null, 2)}\n` : summary(r))
      } finally { close() }
    })
  withClient(program.command('teardown')
    .description('destroy every instance of a deployment (found by search: attributes.deployment=NAME)')
    .argument('<deployment>', 'the deployment name of its file'))
    .option('--poll <s>', 'seconds between checks', '1')
    .option('--search-deadline-ms <ms>', 'deadline of each search')
    .action(async (deployment: string, flags: DeployFlags) => {
      const { deployer, close } = deployerFor(flags, io.out)
      try {
        const ids = await deployer.teardown(deployment)
        io.out(flags.json === true ? `${JSON.stringify(ids)}\n` : `deployment ${deployment}: ${ids.length} instance(s) destroyed\n`)
      } finally { close() }
    })
}

import type { Command } from 'commander'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { HypervisorDriver, ImageTransferPort } from '@xenos/hypervisor-interface'
import { loadHostConfig, startHostFromConfig, type HostConfig } from '@xenos/core'
import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { SimCluster } from '@xenos/sim-driver'
import { HostShell, localCopyTransfer, scpTransfer, xenDriver } from '@xenos/xen-driver'

type Out = (s: string) => void

export interface CoordinatorCommandIo {
  out: Out
  /** Where problems go (config errors, background errors). @default process.stderr */
  err?: Out
  /** Resolves when the coordinator should stop. @default SIGINT or SIGTERM */
  untilStopped?: () => Promise<string>
}

/** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
function untilSignal (): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); resolve(sig) }
    const onInt = (): void => { on('SIGINT') }
    const onTerm = (): void => { on('SIGTERM') }
    process.once('SIGINT', onInt)
    process.once('SIGTERM', onTerm)
  })
}

/** The driver a host file names: a simulated host, or Xen through `xl`. */
async function driverFor (config: HostConfig): Promise<{ driver: HypervisorDriver, images?: ImageTransferPort, close: () => Promise<void> }> {
  if (config.driver.kind === 'sim') {
    const o = config.driver.options
    // A coordinator answers in real time: only a live simulation runs by itself.
    if (o.mode !== 'live') {
      throw new Error(`${config.file}: driver.options.mode: expected "live" for a coordinator (nothing would run a manual simulation), found "${o.mode}"`)
    }
    const platform = await loadPlatform(o.platform ?? PAPER_PLATFORM_FILE)
    const cluster = new SimCluster({ platform, seed: o.seed, mode: o.mode })
    const host = o.host ?? config.hostname ?? cluster.hostnames()[0]!
    // its peers run in other processes: chunks of its templates travel over the real overlay
    return { driver: cluster.driver(host), images: cluster.imagePort(host, { network: 'overlay' }), close: async () => { await cluster.close() } }
  }
  const o = config.driver.options
  const m = o.migration
  const shell = new HostShell()
  const driver = await xenDriver({
    imageDir: o.imageDir,
    stateDir: join(config.dataDir, 'xen-driver'),
    xl: o.sudo ? ['sudo', o.xlPath] : [o.xlPath],
    xentop: o.xentopPath === false ? false : (o.sudo ? ['sudo', o.xentopPath] : [o.xentopPath]),
    ...(o.hostDir !== undefined ? { hostDir: o.hostDir } : {}),
    ...(o.checkpointDir !== undefined ? { checkpointDir: o.checkpointDir } : {}),
    ...(config.hostname !== undefined ? { hostname: config.hostname } : {}),
    commandTimeoutS: o.commandTimeoutS,
    createTimeoutS: o.createTimeoutS,
    migration: {
      sshCommand: m.sshCommand,
      // the target's address is filled in by the driver (migration.targets) before it calls this
      ...(m.receiver !== undefined ? { receiver: t => m.receiver!.replaceAll('{host}', t.host).replaceAll('{port}', String(t.port ?? 5000)) } : {}),
      targets: m.targets,
      transfer: m.transfer === 'scp' ? scpTransfer(shell) : localCopyTransfer(shell),
      timeoutS: m.timeoutS
    }
  })({})
  return { driver, close: async () => { await driver.close() } }
}

/** `xenos coordinator --config host.yaml`. */
export function coordinatorCommands (program: Command, io: CoordinatorCommandIo): void {
  const err = io.err ?? ((s: string) => { process.stderr.write(s) })
  program.command('coordinator')
    .description('run this host\'s coordinator: join the overlay, advertise services, serve the API (until SIGINT/SIGTERM)')
    .requiredOption('--config <host.yaml>', 'host file: driver, listen addresses, bootstrap peers, data and services directories, API address')
    .action(async (opts: { config: string }) => {
      const config = await loadHostConfig(opts.config)
      const { driver, images, close } = await driverFor(config)
      await mkdir(config.dataDir, { recursive: true })
      const host = await startHostFromConfig(config, {
        driver,
        ...(images === undefined ? {} : { images }),
        onError: (e) => { err(`xenos coordinator: ${(e as Error).message}\n`) },
        warn: (message) => { err(`xenos coordinator: ${message}\n`) }
      })
      // config problems (file:line:column: field: expected ..., found ...), at start and on every reload
      for (const p of host.started.config?.problems ?? []) err(`xenos coordinator: config error: ${p.message}\n`)
      host.coordinator.subscribe((e) => { if (e.kind === 'config-error') err(`xenos coordinator: config error: ${e.detail ?? e.subject ?? ''}\n`) })
      const addrs = host.node.libp2p.getMultiaddrs().map(a => a.toString())
      const overlay = `${addrs.join(' ')}${host.trust === undefined ? ' (OPEN: insecure)' : ` (cluster ${host.trust.clusterId})`}`
      io.out(`xenos coordinator on ${driver.hostname} (${config.driver.kind})\n  peer id: ${host.peerId}\n  overlay: ${overlay}\n  API:     ${host.apiUrl}\n`
        + (host.apiTlsFingerprint === undefined ? '' : `  API certificate SHA-256 fingerprint: ${host.apiTlsFingerprint} (clients: --tls-fingerprint)\n`))
      const sig = await (io.untilStopped ?? untilSignal)()
      io.out(`${sig}: stopping (domains keep running)\n`)
      await host.stop()
      await close()
    })
}

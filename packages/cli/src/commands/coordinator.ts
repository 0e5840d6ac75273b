import type { Command } from 'commander'
import { mkdir } from 'node:fs/promises'
import { loadHostConfig, startHostFromConfig } from '@xenos/core'
import { DRIVERS } from '../drivers.js'

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

/** `xenos coordinator --config host.yaml`. */
export function coordinatorCommands (program: Command, io: CoordinatorCommandIo): void {
  const err = io.err ?? ((s: string) => { process.stderr.write(s) })
  program.command('coordinator')
    .description('run this host\'s coordinator: join the overlay, advertise services, serve the API (until SIGINT/SIGTERM)')
    .requiredOption('--config <host.yaml>', 'host file: driver, listen addresses, bootstrap peers, data and services directories, API address')
    .addHelpText('after', `\nDrivers (driver.kind in the host file):\n${DRIVERS.kinds.map(k => `  ${k.padEnd(6)} ${DRIVERS.get(k).description}\n`).join('')}`)
    .action(async (opts: { config: string }) => {
      const config = await loadHostConfig(opts.config, DRIVERS)
      await mkdir(config.dataDir, { recursive: true })
      const host = await startHostFromConfig(config, {
        drivers: DRIVERS,
        onError: (e) => { err(`xenos coordinator: ${(e as Error).message}\n`) },
        warn: (message) => { err(`xenos coordinator: ${message}\n`) }
      })
      // config problems (file:line:column: field: expected ..., found ...), at start and on every reload
      for (const p of host.started.config?.problems ?? []) err(`xenos coordinator: config error: ${p.message}\n`)
      host.coordinator.subscribe((e) => { if (e.kind === 'config-error') err(`xenos coordinator: config error: ${e.detail ?? e.subject ?? ''}\n`) })
      const addrs = host.node.libp2p.getMultiaddrs().map(a => a.toString())
      const overlay = `${addrs.join(' ')}${host.trust === undefined ? ' (OPEN: insecure)' : ` (cluster ${host.trust.clusterId})`}`
      io.out(`xenos coordinator on ${host.coordinator.hostname} (${config.driver.kind})\n`
        + `  peer id: ${host.peerId}\n  overlay: ${overlay}\n  API:     ${host.apiUrl}\n`
        + (host.apiTlsFingerprint === undefined ? '' : `  API certificate SHA-256 fingerprint: ${host.apiTlsFingerprint} (clients: --tls-fingerprint)\n`))
      const sig = await (io.untilStopped ?? untilSignal)()
      io.out(`${sig}: stopping (domains keep running)\n`)
      await host.stop()
    })
}

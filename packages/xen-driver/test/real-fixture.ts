import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ComplianceFixture } from '@xenos/hypervisor-compliance'
import { waitFor, WaitTimeoutError, type MigrationTarget } from '@xenos/hypervisor-interface'
import { execa } from 'execa'
import { xenDriver, scpTransfer, localCopyTransfer, HostShell, type XenDriver } from '../src/index.js'

const env = (key: string): string | undefined => {
  const v = process.env[key]
  return v === undefined || v === '' ? undefined : v
}
const words = (v: string | undefined): string[] | undefined => v?.split(/\s+/).filter(w => w !== '')

/** True when the environment names a real Xen host to certify. */
export function realHostConfigured (): boolean {
  return env('XENOS_XEN_TARGET') !== undefined
}

function need (key: string): string {
  const v = env(key)
  if (v === undefined) throw new Error(`XENOS_XEN_TARGET is set: expected ${key} too (see packages/xen-driver/README.md), found it unset`)
  return v
}

async function driverFor (p: string, hostname: string | undefined, migration: Parameters<typeof xenDriver>[0]['migration']): Promise<XenDriver> {
  const prefix = words(env(`${p}_PREFIX`)) ?? []
  const transfer = env('XENOS_XEN_TRANSFER') === 'scp' ? scpTransfer(new HostShell(prefix)) : localCopyTransfer(new HostShell(prefix))
  const xentop = env(`${p}_XENTOP`)
  return await xenDriver({
    ...(hostname !== undefined ? { hostname } : {}),
    xl: words(env(`${p}_XL`)) ?? ['xl'],
    xentop: xentop === 'false' ? false : (words(xentop) ?? ['xentop']),
    prefix,
    imageDir: need(`${p}_IMAGE_DIR`),
    stateDir: env(`${p}_STATE_DIR`) ?? await mkdtemp(join(tmpdir(), 'xenos-xen-state-')),
    ...(env(`${p}_HOST_DIR`) !== undefined ? { hostDir: env(`${p}_HOST_DIR`)! } : {}),
    ...(env('XENOS_XEN_VERIFY_BOOT') === 'false' ? { verifyBootFiles: false } : {}),
    ...(migration !== undefined ? { migration: { ...migration, transfer } } : {})
  })()
}

/**
 * Waits until the console of guest `name` (read by the command in
 * XENOS_XEN_CONSOLE, given the guest's name) shows XENOS_XEN_CONSOLE_READY:
 * a guest under emulation takes many seconds to boot, and one that has not
 * yet started its xenbus driver cannot acknowledge a suspend or shutdown.
 */
function consoleReady (command: string[], marker: string, timeoutS: number): (name: string) => Promise<void> {
  return async (name) => {
    let seen = ''
    try {
      await waitFor(async () => {
        const r = await execa(command[0]!, [...command.slice(1), name], { reject: false, timeout: 60_000 })
        seen = r.stdout === '' ? `nothing (${r.stderr.trim() || `exit ${r.exitCode}`})` : `its last lines:\n${r.stdout.split('\n').slice(-5).join('\n')}`
        return r.exitCode === 0 && r.stdout.includes(marker)
      }, { timeoutS, intervalS: 1, what: `"${marker}" on the console of ${name}` })
    } catch (err) {
      if (!(err instanceof WaitTimeoutError)) throw err
      throw new Error(`guest ${name}: expected "${marker}" on its console within ${timeoutS} s, found ${seen}`, { cause: err })
    }
  }
}

/** The fixture for a real host (and optionally a second one for migration), from XENOS_XEN_* variables. */
export async function realFixture (): Promise<ComplianceFixture> {
  const receiverTemplate = env('XENOS_XEN_MIGRATE_RECEIVER')
  const targetAddress = env('XENOS_XEN_TARGET2_ADDRESS')
  const targetName = env('XENOS_XEN_TARGET2')
  const migration = {
    sshCommand: env('XENOS_XEN_MIGRATE_SSH') ?? (receiverTemplate !== undefined ? '' : 'ssh'),
    ...(receiverTemplate !== undefined
      ? { receiver: (t: MigrationTarget) => receiverTemplate.replaceAll('{host}', t.host).replaceAll('{port}', String(t.port ?? 5000)) }
      : {}),
    targets: Object.fromEntries([targetAddress, env('XENOS_XEN_UNREACHABLE')].filter((h): h is string => h !== undefined).map(h => [h, {
      ...(env('XENOS_XEN_TARGET2_IMAGE_DIR') !== undefined ? { imageDir: env('XENOS_XEN_TARGET2_IMAGE_DIR')! } : {}),
      ...(h === targetAddress && targetName !== undefined ? { hostname: targetName } : {})
    }])),
    timeoutS: Number(env('XENOS_XEN_MIGRATE_TIMEOUT_S') ?? 600)
  }
  const driver = await driverFor('XENOS_XEN', env('XENOS_XEN_TARGET'), migration)
  const target = targetAddress !== undefined ? await driverFor('XENOS_XEN_TARGET2', targetName, undefined) : undefined
  const kernel = need('XENOS_XEN_KERNEL')
  const ramdisk = env('XENOS_XEN_RAMDISK')
  const memoryMiB = Number(env('XENOS_XEN_MEMORY_MIB') ?? 128)
  const imageBytes = Number(env('XENOS_XEN_IMAGE_MIB') ?? 16) * 1024 * 1024
  const bridge = env('XENOS_XEN_BRIDGE')
  const annotations = Object.fromEntries((words(env('XENOS_XEN_EXTRA')) ?? []).map((kv) => {
    const i = kv.indexOf('=')
    return [`xen.${kv.slice(0, i)}`, kv.slice(i + 1)]
  }))
  const checkpointDir = env('XENOS_XEN_CHECKPOINT_DIR')
  const unreachable = env('XENOS_XEN_UNREACHABLE')
  const consoleCommand = words(env('XENOS_XEN_CONSOLE'))
  const readyMarker = env('XENOS_XEN_CONSOLE_READY')
  return {
    driver,
    ...(consoleCommand !== undefined && readyMarker !== undefined
      ? { guestReady: consoleReady(consoleCommand, readyMarker, Number(env('XENOS_XEN_CONSOLE_READY_TIMEOUT_S') ?? 300)) }
      : {}),
    ...(target !== undefined ? { target, targetAddress: { host: targetAddress! } } : {}),
    ...(unreachable !== undefined ? { unreachableTarget: { host: unreachable } } : {}),
    imageSizeBytes: imageBytes,
    ...(checkpointDir !== undefined ? { checkpointPath: (name: string) => join(checkpointDir, `${name}.ckpt`) } : {}),
    makeSpec: async (name, options = {}) => {
      const image = `compliance/${name}.img`
      await driver.createImage(image, imageBytes)
      return {
        name, vcpus: options.vcpus ?? 1, memoryMiB: options.memoryMiB ?? memoryMiB,
        disks: [{ image, target: 'xvda' }],
        boot: {
          kind: env('XENOS_XEN_BOOT_KIND') === 'pv' ? 'pv' : 'pvh',
          kernel,
          ...(ramdisk !== undefined ? { ramdisk } : {}),
          cmdline: env('XENOS_XEN_CMDLINE') ?? 'console=hvc0 panic=-1 quiet'
        },
        nics: bridge !== undefined ? [{ bridge }] : [],
        annotations
      }
    }
  }
}

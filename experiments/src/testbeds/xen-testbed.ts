/**
 * The real-hardware testbed (`--backend xen`): the lab's Xen hosts, each
 * running its Xenos coordinator, reached only through the Xenos API
 * (`XenosClient` of `@xenos/core`, failing over between the testbed file's
 * endpoints), and Hadoop run for real over SSH by hadoop-bench's
 * `RealHadoop`. Everything is measured on the wall clock (`realClock`), so
 * a run's values depend on the lab, not on the seed.
 *
 * - VM setups: `deployXenVmCluster` (the deployer over the API; the Hadoop
 *   master is a Xenos service on the master host, migratable mid-job);
 * - native setups (PHY, PHY-1CORE): `deployXenNativeCluster` (the setup's
 *   inventory file, no coordinator);
 * - `deployTemplate`: `deployTemplateOnXen` (`xenos.replicateTemplate` with
 *   `whole-copy` or `chunked`).
 *
 * @example
 * ```ts
 * const factory = await xenTestbedFactory({ testbedFile: 'examples/testbeds/lab.yaml' })
 * const testbed = await factory({ seed: 1 })
 * const cluster = await testbed.deployHadoop('VM2', 12)
 * console.log((await cluster.runJob({ kind: 'pi', maps: 120, samplesPerMap: 10000 })).durationS)
 * await cluster.release(); await testbed.close()
 * ```
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { realClock, type Clock } from '@xenos/hypervisor-interface'
import type { DeployHadoopOptions, DeploymentReport, PlatformInfo, Testbed, TestbedCluster, TestbedFactory } from '@xenos/experiment-interface'
import { xenosClient, type ClientTls, type Credentials, type XenosClient } from '@xenos/core'
import { PAPER_HADOOP, setupById, withSettings } from '@xenos/hadoop-bench'
import { xenosDeployApi, type DeployApi, type DeployProgress } from '@xenos/deployer'
import { parseXenTestbedFile, type XenTestbedFile } from './xen-testbed-file.js'
import { deployXenVmCluster } from './xen-vm-cluster.js'
import { deployXenNativeCluster } from './xen-native-cluster.js'
import { deployTemplateOnXen } from './xen-deploy-template.js'
import { MissingTokenError, XenTestbedError } from './xen-errors.js'

export interface XenTestbedInit {
  /** The testbed file (YAML). */
  testbedFile: string
  /** Where the token is read from when the file names an environment variable. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /** Told about each deployment step (hosts planned, instances created, running). */
  onDeployProgress?: (event: DeployProgress) => void
}

/** Reads the API credentials the testbed file points at (never stored in it). */
export async function testbedCredentials (file: XenTestbedFile, env: Readonly<Record<string, string | undefined>>): Promise<Credentials> {
  let token: string | undefined
  if (file.api.tokenFile !== undefined) {
    const text = await readFile(file.api.tokenFile, 'utf8').catch((err: unknown) => {
      throw new MissingTokenError(`the token file ${file.api.tokenFile}`, (err as Error).message)
    })
    token = text.trim()
    if (token === '') throw new MissingTokenError(`the token file ${file.api.tokenFile}`, 'an empty file')
  } else {
    const name = file.api.tokenEnv ?? 'XENOS_TOKEN'
    token = env[name]
    if (token === undefined || token === '') throw new MissingTokenError(`the environment variable ${name} (api.tokenEnv, or api.tokenFile)`, 'it unset')
  }
  return file.api.user !== undefined ? { scheme: 'basic', user: file.api.user, token } : { scheme: 'bearer', token }
}

/** How the client trusts the coordinators' HTTPS (`api.tls`), the CA file read now. */
export async function testbedTls (file: XenTestbedFile): Promise<ClientTls | undefined> {
  const tls = file.api.tls
  if (tls === undefined) return undefined
  if (tls.fingerprint256 !== undefined) return { fingerprint256: tls.fingerprint256 }
  const caFile = tls.caFile!
  const ca = await readFile(caFile).catch((err: unknown) => {
    throw new XenTestbedError(`api.tls.caFile: expected a readable PEM file, found ${(err as Error).message}`)
  })
  return { ca }
}

/** The lab a testbed file describes: its testbed factory (a client per repetition) and the platform record of the results. */
export interface XenLabTestbed {
  factory: TestbedFactory
  /** Name from the file, the file's path and the SHA-256 of its bytes. */
  platform: PlatformInfo
  file: XenTestbedFile
}

/** Reads and checks the testbed file and the API token once. */
export async function loadXenTestbed (init: XenTestbedInit): Promise<XenLabTestbed> {
  const bytes = await readFile(init.testbedFile)
  const file = parseXenTestbedFile(bytes.toString('utf8'), init.testbedFile)
  const credentials = await testbedCredentials(file, init.env ?? process.env)
  const tls = await testbedTls(file)
  const platform: PlatformInfo = { name: file.name, file: init.testbedFile, sha256: createHash('sha256').update(bytes).digest('hex') }
  return { file, platform, factory: async () => new XenTestbed(file, init.testbedFile, platform, credentials, tls, init.onDeployProgress) }
}

/** A factory of real-hardware testbeds for the runner (`loadXenTestbed(init).factory`). */
export async function xenTestbedFactory (init: XenTestbedInit): Promise<TestbedFactory> {
  return (await loadXenTestbed(init)).factory
}

class XenTestbed implements Testbed {
  readonly backend = 'xen' as const
  readonly clock: Clock = realClock()
  readonly slaveHostCount: number
  private readonly client: XenosClient
  private readonly api: DeployApi
  private readonly open = new Set<TestbedCluster>()

  constructor (
    private readonly file: XenTestbedFile,
    private readonly fileName: string,
    readonly platform: PlatformInfo,
    credentials: Credentials,
    tls: ClientTls | undefined,
    private readonly onProgress?: (event: DeployProgress) => void
  ) {
    this.slaveHostCount = file.slaveHosts.length
    this.client = xenosClient({
      endpoints: [...file.api.endpoints], credentials, timeoutMs: file.api.callTimeoutS * 1000, ...(tls === undefined ? {} : { tls })
    })
    this.api = xenosDeployApi(this.client, { searchDeadlineMs: file.api.searchDeadlineMs })
  }

  async deployHadoop (setupId: string, slaveHosts: number, options: DeployHadoopOptions = {}): Promise<TestbedCluster> {
    // On real hosts every VM deployment goes through the API, so `viaXenosApi` changes nothing.
    const setup = setupById(setupId)
    if (!Number.isInteger(slaveHosts) || slaveHosts < 1 || slaveHosts > this.slaveHostCount) {
      throw new XenTestbedError(`deployHadoop ${setupId}: expected 1 to ${this.slaveHostCount} slave hosts (slaveHosts of ${this.fileName}),`
        + ` found ${slaveHosts}`)
    }
    const settings = withSettings(PAPER_HADOOP, options.hadoop ?? {})
    const common = { file: this.file, fileName: this.fileName, clock: this.clock, setup, slaveHosts, settings }
    const cluster = setup.virtualized
      ? await deployXenVmCluster({ ...common, client: this.client, api: this.api, ...(this.onProgress !== undefined ? { onProgress: this.onProgress } : {}) })
      : await deployXenNativeCluster(common)
    this.open.add(cluster)
    return { ...cluster, release: async () => { this.open.delete(cluster); await cluster.release() } }
  }

  /** `options.concurrency`: hosts the deployer works on at once (its default, 4, when absent). */
  async deployTemplate (method: 'paper' | 'xenos', hosts: number, options: { concurrency?: number } = {}): Promise<DeploymentReport> {
    if (method !== 'paper' && method !== 'xenos') throw new XenTestbedError(`deployTemplate: expected method "paper" or "xenos", found ${String(method)}`)
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > this.slaveHostCount) {
      throw new XenTestbedError(`deployTemplate ${method}: expected 1 to ${this.slaveHostCount} hosts (slaveHosts of ${this.fileName}), found ${hosts}`)
    }
    const { concurrency } = options
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw new XenTestbedError(`deployTemplate ${method}: expected a concurrency >= 1, found ${concurrency}`)
    }
    return await deployTemplateOnXen({
      file: this.file,
      fileName: this.fileName,
      client: this.client,
      api: this.api,
      clock: this.clock,
      method,
      hosts,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(this.onProgress !== undefined ? { onProgress: this.onProgress } : {})
    })
  }

  /** Releases clusters a failed experiment left deployed, then closes the client. */
  async close (): Promise<void> {
    try {
      for (const c of [...this.open]) { this.open.delete(c); await c.release() }
    } finally {
      this.client.close()
    }
  }
}

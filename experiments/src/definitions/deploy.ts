/**
 * `deploy` (no figure; finding C10 and the "beyond the paper" check X1):
 * the Hadoop slave template (10 GB disk + 1 GB swap, on the master host)
 * and one slave instance put on each of the 12 slave hosts through the
 * coordinators' API, once with the paper's method (whole image from one
 * holder, then a second local copy, 3 hosts at a time) and once with
 * Xenos' own chunked replication (every host at once, trading chunks). Each method's run reports its time,
 * bytes, throughputs, the physical limit, and the control plane's
 * wall-clock times (finding C12).
 */
import type { DeploymentReport, ExperimentDefinition, Measurement } from '@xenos/experiment-interface'

const HOSTS = 12
const METHODS = ['paper', 'xenos'] as const

/**
 * Hosts the deployer works on at once, per method (the deployment file's
 * `concurrency`), an input of each method's deployment:
 * - `paper`: 3. The paper does not state it. Inferred from its "network
 *   throughput of around 40MB/s" per transfer, every transfer drawing on the
 *   one source host's 1 GbE link (117.6 MB/s of TCP payload on the shipped
 *   platform): 3 transfers at once give 39.2 MB/s each (4 would give 29.4).
 *   A calibration of an unknown parameter of the paper's method: finding
 *   C10's per-transfer rate follows from it by construction, and the
 *   deployment's duration is then the prediction under test.
 * - `xenos`: every host at once, so that the hosts fetch together and trade
 *   chunks (the image's swarm).
 */
export const DEPLOY_CONCURRENCY: Record<typeof METHODS[number], number> = { paper: 3, xenos: HOSTS }

export class UnsupportedTestbedError extends Error {
  constructor (readonly experiment: string, readonly expected: string) {
    super(`experiment ${experiment}: expected a testbed with ${expected}, found one without`)
    this.name = 'UnsupportedTestbedError'
  }
}

/**
 * Control-plane figures (`controlPlane*`, and the `probe*` calls timed one at
 * a time) are wall-clock measurements (finding C12); everything else is on
 * the testbed's clock.
 */
export function clockOf (metric: string): { clock?: 'wall' } {
  return metric.startsWith('controlPlane') || metric.startsWith('probe') ? { clock: 'wall' } : {}
}

/** The unit of a metric, read from its name's suffix. */
export function unitOf (metric: string): string {
  if (metric.endsWith('Bps')) return 'B/s'
  if (metric.endsWith('Bytes')) return 'B'
  if (metric.endsWith('S')) return 's'
  return ''
}

export function deploymentMeasurements (experiment: string, r: DeploymentReport): Measurement[] {
  const params = { hosts: r.hosts }
  const metrics: Record<string, number> = {
    durationS: r.durationS,
    networkBytes: r.networkBytes,
    localCopyBytes: r.localCopyBytes,
    physicalLimitS: r.physicalLimitS,
    ...r.extra
  }
  return Object.entries(metrics).map(([metric, value]) => ({ experiment, setup: r.method, params, metric, unit: unitOf(metric), value, ...clockOf(metric) }))
}

export const deploy: ExperimentDefinition = {
  name: 'deploy',
  title: 'Deploy the 11 GB Hadoop slave template + 1 instance to 12 hosts: paper\'s whole copy vs Xenos\' chunked replication',
  parameters: { hosts: HOSTS, templateGiB: 11, methods: METHODS.join(','), paperConcurrency: DEPLOY_CONCURRENCY.paper, xenosConcurrency: DEPLOY_CONCURRENCY.xenos },
  run: async (testbed, context) => {
    const deployTemplate = testbed.deployTemplate?.bind(testbed)
    if (deployTemplate === undefined) throw new UnsupportedTestbedError('deploy', 'deployTemplate')
    const out: Measurement[] = []
    for (const [i, method] of METHODS.entries()) {
      context.progress(i, METHODS.length, `deploy ${method}`)
      const concurrency = DEPLOY_CONCURRENCY[method]
      const report = await deployTemplate(method, HOSTS, { concurrency })
      out.push(...deploymentMeasurements('deploy', { ...report, extra: { ...report.extra, concurrency } }))
    }
    context.progress(METHODS.length, METHODS.length, 'deploy done')
    return out
  }
}

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
import {
  measurement, onTestbed, type CallTimes, type DeploymentReport, type ExperimentDefinition, type Measurement, type Quantity
} from '@xenos/experiment-interface'
import { ExperimentsError } from '../errors.js'

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

export class UnsupportedTestbedError extends ExperimentsError {
  constructor (readonly experiment: string, readonly expected: string) {
    super(`experiment ${experiment}: expected a testbed with ${expected}, found one without`)
  }
}

/**
 * The measurements of one deployment: every figure of the report under its
 * metric name, its unit and clock as the testbed measured it (the control
 * plane's call times on the wall clock, everything else on the testbed's),
 * and the deployer's concurrency, an input recorded beside them.
 */
export function deploymentMeasurements (experiment: string, r: DeploymentReport, concurrency: number): Measurement[] {
  const point = { experiment, setup: r.method, params: { hosts: r.hosts } }
  const figures: Array<[string, Quantity | undefined]> = [
    ['durationS', r.duration],
    ['networkBytes', r.networkBytes],
    ['localCopyBytes', r.localCopyBytes],
    ['physicalLimitS', r.physicalLimit],
    ['networkBps', r.networkRate],
    ['localCopyBps', r.localCopyRate],
    ['replicateBps', r.replicateRate],
    ['aggregateBps', r.aggregateRate],
    ['seedSentBytes', r.seedSentBytes],
    ['lowerBoundS', r.lowerBound],
    ...callTimeFigures('controlPlane', r.controlPlane),
    ...callTimeFigures('probe', r.probe),
    ['concurrency', onTestbed(concurrency, 'hosts')]
  ]
  return figures.flatMap(([metric, q]) => q === undefined ? [] : [measurement(point, metric, q)])
}

/** A series of call times as figures `<prefix>Calls`, `<prefix>MaxS`, `<prefix>MeanS`, `<prefix>TotalS`, `<prefix>HeldS`. */
export function callTimeFigures (prefix: string, t: CallTimes): Array<[string, Quantity | undefined]> {
  return [[`${prefix}Calls`, t.calls], [`${prefix}MaxS`, t.max], [`${prefix}MeanS`, t.mean], [`${prefix}TotalS`, t.total], [`${prefix}HeldS`, t.held]]
}

export const deploy: ExperimentDefinition = {
  name: 'deploy',
  title: 'Deploy the 11 GB Hadoop slave template + 1 instance to 12 hosts: paper\'s whole copy vs Xenos\' chunked replication',
  parameters: {
    hosts: HOSTS,
    templateGiB: 11,
    methods: METHODS.join(','),
    paperConcurrency: DEPLOY_CONCURRENCY.paper,
    xenosConcurrency: DEPLOY_CONCURRENCY.xenos
  },
  run: async (testbed, context) => {
    const deployTemplate = testbed.deployTemplate?.bind(testbed)
    if (deployTemplate === undefined) throw new UnsupportedTestbedError('deploy', 'deployTemplate')
    const out: Measurement[] = []
    for (const [i, method] of METHODS.entries()) {
      context.progress(i, METHODS.length, `deploy ${method}`)
      const concurrency = DEPLOY_CONCURRENCY[method]
      const report = await deployTemplate(method, HOSTS, { concurrency })
      out.push(...deploymentMeasurements('deploy', report, concurrency))
    }
    context.progress(METHODS.length, METHODS.length, 'deploy done')
    return out
  }
}

/**
 * Benchmark of the driver layer at scale (`clusterScale`, the scenario of
 * `xenos sim-scale`): boot `vmsPerHost` domains on each of `hosts` simulated
 * Xen hosts, then run `migrations` concurrent live migrations. Not a test: it
 * prints figures. Run: `node ../../scripts/run-ts.mjs bench/cluster-migrations.ts --
 * [--hosts N] [--migrations M] [--storage none|stop-and-copy|pre-copy]`.
 */
import { clusterScale, printClusterScale, type ClusterScaleOptions } from '../src/index.js'

/** Prints the figures, one `name value` per line, then each as a JSON line. */
export async function main (argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const num = (flag: string): number | undefined => {
    const i = argv.indexOf(flag)
    return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : undefined
  }
  const storageArg = argv[argv.indexOf('--storage') + 1]
  const options: ClusterScaleOptions = {}
  const hosts = num('--hosts'); if (hosts !== undefined) options.hosts = hosts
  const migrations = num('--migrations'); if (migrations !== undefined) options.migrations = migrations
  if (argv.includes('--storage') && (storageArg === 'none' || storageArg === 'stop-and-copy' || storageArg === 'pre-copy')) options.storage = storageArg
  printClusterScale(await clusterScale(options), (s) => { process.stdout.write(s) })
}

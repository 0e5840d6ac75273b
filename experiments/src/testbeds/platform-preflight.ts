/**
 * Checks, before a simulated run starts, that a platform file has the slave
 * hosts the chosen experiments ask for (the paper's experiments want 12
 * besides the master host). A platform with fewer would otherwise stop
 * part way through the run, at the first deployment that does not fit.
 *
 * What an experiment needs is read from its recorded parameters
 * (`slaveHosts` or `hosts`), as the xen testbed's preflight does.
 */
import type { ExperimentDefinition } from '@xenos/experiment-interface'
import { ExperimentsError } from '../errors.js'

/** The slave hosts an experiment asks for, from its parameters; undefined when it names none. */
export function slaveHostsWanted (def: ExperimentDefinition): number | undefined {
  const p = def.parameters
  return typeof p.slaveHosts === 'number' ? p.slaveHosts : typeof p.hosts === 'number' ? p.hosts : undefined
}

/** The platform has fewer slave hosts than some experiments ask for; `problems` names each. */
export class PlatformPreflightError extends ExperimentsError {
  constructor (readonly file: string, readonly problems: readonly string[]) {
    super(`platform ${file}: expected enough slave hosts for the experiments, found ${problems.length} problem(s):\n`
      + `${problems.map(p => `  - ${p}`).join('\n')}\n`
      + '  (the first host is the master and takes no slaves; add hosts to the platform file, or run the experiments that fit)')
  }
}

/** Throws `PlatformPreflightError` unless a platform of `hostCount` hosts (master included) can run every definition. */
export function checkPlatformFor (file: string, hostCount: number, definitions: readonly ExperimentDefinition[]): void {
  const slaves = hostCount - 1
  const problems: string[] = []
  for (const def of definitions) {
    const wanted = slaveHostsWanted(def)
    if (wanted !== undefined && wanted > slaves) {
      problems.push(`${def.name}: ${wanted} slave hosts wanted, the platform has ${slaves} (${hostCount} hosts, the first one the master)`)
    }
  }
  if (problems.length > 0) throw new PlatformPreflightError(file, problems)
}

/**
 * Checks, before anything touches the lab, that a testbed file can run the
 * given experiments: every setup they name has its templates (VM setups)
 * or its inventory (native setups), there are as many slave hosts as they
 * ask for, and the `deploy` experiment has a `deploy:` section with a
 * template name per repetition. A run of the whole paper on real hosts
 * takes hours; finding a missing setup at its end would lose them.
 *
 * What an experiment needs is read from its recorded parameters
 * (`setups`/`setup`, `slaveHosts`/`hosts`, `methods`), the same ones the
 * result file keeps.
 */
import type { ExperimentDefinition } from '@xenos/experiment-interface'
import { setupById } from '@xenos/hadoop-bench'
import type { XenTestbedFile } from './xen-testbed-file.js'
import { XenTestbedError } from './xen-errors.js'
import { slaveHostsWanted } from './platform-preflight.js'

/** The testbed file cannot run the experiments asked for; `problems` lists every reason. */
export class TestbedPreflightError extends XenTestbedError {
  constructor (readonly file: string, readonly problems: readonly string[]) {
    super(`testbed file ${file}: expected it to describe everything the experiments need, found ${problems.length} problem(s):\n`
      + problems.map(p => `  - ${p}`).join('\n'))
  }
}

function list (v: unknown): string[] {
  return typeof v === 'string' ? v.split(',').map(s => s.trim()).filter(s => s !== '') : []
}

/** Every problem found, in experiment order; empty when the file can run them all. */
export function preflightProblems (file: XenTestbedFile, definitions: readonly ExperimentDefinition[], repetitions: number): string[] {
  const problems: string[] = []
  for (const def of definitions) {
    const p = def.parameters
    for (const id of [...list(p.setups), ...list(p.setup)]) {
      const setup = setupById(id)
      if (setup.virtualized && file.setups[id as keyof typeof file.setups] === undefined) {
        problems.push(`${def.name}: setups.${id} (master and slave templates) is missing`)
      }
      if (!setup.virtualized && file.native[id] === undefined) problems.push(`${def.name}: native.${id} (an inventory file) is missing`)
    }
    const hosts = slaveHostsWanted(def)
    if (hosts !== undefined && hosts > file.slaveHosts.length) {
      problems.push(`${def.name}: ${hosts} slave hosts wanted, slaveHosts lists ${file.slaveHosts.length}`)
    }
    const methods = list(p.methods)
    if (methods.length > 0) {
      if (file.deploy === undefined) {
        problems.push(`${def.name}: the deploy section (templates, nicBps, diskReadBps, diskWriteBps) is missing`)
      } else {
        for (const m of methods) {
          const names = file.deploy.templates[m as 'paper' | 'xenos'] ?? []
          if (names.length < repetitions) {
            problems.push(`${def.name}: deploy.templates.${m} names ${names.length} template(s) for ${repetitions} repetition(s)`
              + ' (a replicated template cannot be removed through the API)')
          }
        }
      }
    }
  }
  return problems
}

export function checkTestbedFor (file: XenTestbedFile, fileName: string, definitions: readonly ExperimentDefinition[], repetitions: number): void {
  const problems = preflightProblems(file, definitions, repetitions)
  if (problems.length > 0) throw new TestbedPreflightError(fileName, problems)
}

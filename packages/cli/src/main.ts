import { CommanderError } from 'commander'
import { buildProgram, exitCodeFor, type CommandModule } from './program.js'
import { reportCommand } from './commands/report.js'
import { platformCommand } from './commands/platform.js'
import { experimentCommands } from './commands/experiment.js'
import { coordinatorCommands } from './commands/coordinator.js'
import { simClusterCommand } from './commands/sim-cluster.js'
import { simScaleCommand } from './commands/sim-scale.js'
import { clientCommands } from './commands/client.js'
import { deployCommands } from './commands/deploy.js'
import { trustCommands } from './commands/trust.js'

const stdout = (s: string): void => { process.stdout.write(s) }
const modules: CommandModule[] = [reportCommand, (p) => { platformCommand(p, { out: stdout }) }, (p) => { experimentCommands(p, { out: stdout }) },
  (p) => { coordinatorCommands(p, { out: stdout, err: (s) => { process.stderr.write(s) } }) }, (p) => { simClusterCommand(p, { out: stdout }) },
  (p) => { simScaleCommand(p, { out: stdout, err: (s) => { process.stderr.write(s) } }) },
  (p) => { clientCommands(p, { out: stdout }) }, (p) => { deployCommands(p, { out: stdout }) }, (p) => { trustCommands(p, { out: stdout }) }]

/**
 * Runs `xenos` with `argv` (as in `process.argv`). Returns the exit code;
 * prints typed errors as one clear line (the full stack with XENOS_DEBUG=1).
 */
export async function main (argv: string[]): Promise<number> {
  const io = { out: (s: string) => { process.stdout.write(s) }, err: (s: string) => { process.stderr.write(s) } }
  const program = buildProgram(modules, io)
  if (argv.length <= 2) { program.outputHelp(); return 0 }
  try {
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return exitCodeFor(err)
    const e = err as Error
    io.err(`xenos: ${e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}\n`)
    if (process.env.XENOS_DEBUG === '1' && e.stack !== undefined) io.err(`${e.stack}\n`)
    return exitCodeFor(err)
  }
}

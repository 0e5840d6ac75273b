/**
 * @packageDocumentation
 * The `xenos` command: the coordinator, the API client commands and the
 * experiment runner, wired from the other packages.
 *
 * @example
 * ```ts
 * import { main } from '@xenos/cli/main'
 * process.exitCode = await main(['node', 'xenos', '--help'])
 * ```
 */
export { buildProgram, version, exitCodeFor, type CommandModule } from './program.js'
export { CliError, UsageError, RunStoppedError, PublishError } from './errors.js'

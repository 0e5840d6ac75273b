/**
 * Puts a Hadoop configuration on a real master and (re)starts Hadoop there,
 * through the real runner's `CommandRunner` (SSH on a lab): each file
 * written with `printf` (its text passed as one quoted argument, nothing
 * interpolated into a shell string), then the lab's start command. The
 * start command is the lab's: it copies the configuration to the slaves,
 * formats HDFS and starts the daemons (`examples/testbeds/hadoop-start`).
 */
import type { CommandResult, CommandRunner, HadoopConfigFiles } from '@xenos/hadoop-bench'
import { XenTestbedError } from './xen-errors.js'

export type ConfigFiles = Readonly<Partial<Record<string, string>>> | HadoopConfigFiles

function tail (r: CommandResult): string {
  return `${r.stdout}${r.stderr}`.trimEnd().split('\n').slice(-10).join('\n')
}

/** Runs `argv` on the master; a non-zero exit is a `XenTestbedError` naming what failed, with the output's tail. */
export async function mustRun (runner: CommandRunner, argv: readonly string[], what: string): Promise<CommandResult> {
  const r = await runner.run(argv)
  if (r.exitCode !== 0) {
    throw new XenTestbedError(`${what}: expected \`${argv.join(' ')}\` to exit 0 on the Hadoop master, found exit ${r.exitCode}:\n${tail(r)}`)
  }
  return r
}

/** Writes `files` into `confDir` on the master; returns the remote paths written. */
export async function writeRemoteConfig (runner: CommandRunner, confDir: string, files: ConfigFiles): Promise<string[]> {
  await mustRun(runner, ['mkdir', '-p', confDir], 'the Hadoop configuration directory')
  const written: string[] = []
  for (const [name, text] of Object.entries(files) as Array<[string, string | undefined]>) {
    if (text === undefined) continue
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new XenTestbedError(`config file name: expected a plain file name, found ${JSON.stringify(name)}`)
    const path = `${confDir.replace(/\/+$/, '')}/${name}`
    await mustRun(runner, ['sh', '-c', 'printf %s "$1" > "$2"', 'sh', text, path], `writing ${path}`)
    written.push(path)
  }
  return written
}

/** Writes the configuration, then runs the lab's start command on the master. */
export async function installAndStartHadoop (runner: CommandRunner, confDir: string, files: ConfigFiles, start: readonly string[]): Promise<string[]> {
  const written = await writeRemoteConfig(runner, confDir, files)
  await mustRun(runner, start, 'starting Hadoop')
  return written
}

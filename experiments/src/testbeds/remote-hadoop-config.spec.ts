import { describe, expect, it } from 'vitest'
import type { CommandResult, CommandRunner } from '@xenos/hadoop-bench'
import { installAndStartHadoop } from './remote-hadoop-config.js'
import { XenTestbedError } from './xen-errors.js'

function recorder (fail?: (argv: readonly string[]) => CommandResult | undefined): CommandRunner & { calls: string[][] } {
  const calls: string[][] = []
  return {
    calls,
    async run (argv) {
      calls.push([...argv])
      return fail?.(argv) ?? { exitCode: 0, stdout: '', stderr: '' }
    }
  }
}

describe('the Hadoop configuration on a real master', () => {
  it('writes each file as one quoted argument into the configuration directory, then starts Hadoop', async () => {
    const runner = recorder()
    const files = { 'masters': 'm\n', 'slaves': 'a\nb\n', 'yarn-site.xml': undefined }
    const written = await installAndStartHadoop(runner, '/opt/hadoop/conf/', files, ['/opt/start', '--fresh'])
    expect(written).toEqual(['/opt/hadoop/conf/masters', '/opt/hadoop/conf/slaves'])
    expect(runner.calls).toEqual([
      ['mkdir', '-p', '/opt/hadoop/conf/'],
      ['sh', '-c', 'printf %s "$1" > "$2"', 'sh', 'm\n', '/opt/hadoop/conf/masters'],
      ['sh', '-c', 'printf %s "$1" > "$2"', 'sh', 'a\nb\n', '/opt/hadoop/conf/slaves'],
      ['/opt/start', '--fresh']
    ])
  })

  it('a failing start command is a XenTestbedError with the tail of its output; odd file names are refused', async () => {
    const runner = recorder(argv => argv[0] === '/opt/start' ? { exitCode: 3, stdout: 'formatting\n', stderr: 'expected 2 datanodes, found 0\n' } : undefined)
    const err = await installAndStartHadoop(runner, '/c', { slaves: 'a\n' }, ['/opt/start']).catch((e: unknown) => e) as Error
    expect(err).toBeInstanceOf(XenTestbedError)
    expect(err.message).toBe('starting Hadoop: expected `/opt/start` to exit 0 on the Hadoop master, found exit 3:\nformatting\nexpected 2 datanodes, found 0')
    await expect(installAndStartHadoop(recorder(), '/c', { '../x': 'y' }, ['/opt/start']))
      .rejects.toThrow('config file name: expected a plain file name, found "../x"')
  })
})

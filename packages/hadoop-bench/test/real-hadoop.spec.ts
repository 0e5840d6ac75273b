import { describe, expect, it } from 'vitest'
import { HadoopJobError, HadoopOutputParseError, InvalidRunnerOptionError } from '../src/real/errors.js'
import { RealHadoop } from '../src/real/real-hadoop.js'
import { manualClock } from '@xenos/hypervisor-interface'
import { has, ReplayRunner, transcript, type Step } from './replay-runner.js'

const HOME = '/opt/hadoop-0.20.2'
const JAR = `${HOME}/hadoop-0.20.2-examples.jar`
const HADOOP = `${HOME}/bin/hadoop`
const ok = (stdout = ''): Step['result'] => ({ exitCode: 0, stdout })
const missing: Step['result'] = { exitCode: 1 }

const mkdirLocal: Step = { expect: 'mkdir -p of the local work dir', match: has('mkdir', '-p', '/tmp/xenos-bench'), result: ok() }

function realHadoop (steps: Step[], line: '1' | '2+' = '1', examplesJar: string | null = JAR): { hadoop: RealHadoop, runner: ReplayRunner } {
  const clock = manualClock()
  const runner = new ReplayRunner(steps, clock)
  const hadoop = new RealHadoop({ hadoopHome: HOME, line, ...(examplesJar !== null ? { examplesJar } : {}) }, { runner, clock })
  return { hadoop, runner }
}

describe('RealHadoop: MapReduce jobs', () => {
  it('Wordcount: loads the input once, removes old output, times only the job, reads its counters', async () => {
    const { hadoop, runner } = realHadoop([
      mkdirLocal,
      { expect: 'does the HDFS input exist', match: has(HADOOP, 'fs', '-test', '-e', '/xenos-bench/input-1000/part-0'), result: missing },
      { expect: 'does the input dir exist', match: has('-test', '-e', '/xenos-bench/input-1000'), result: missing },
      { expect: 'mkdir input dir (Hadoop 1: no -p)', match: argv => argv.join(' ') === `${HADOOP} fs -mkdir /xenos-bench/input-1000`, result: ok() },
      { expect: 'local input size', match: has('sh', '-c'), result: ok('') },
      {
        expect: 'text generator',
        match: argv => argv[2]?.includes('awk') === true && argv.includes('/tmp/xenos-bench/input-text-1000'),
        result: ok(),
        takesS: 30
      },
      { expect: 'local input size after generation', match: has('sh', '-c'), result: ok('1000\n') },
      { expect: 'put input', match: has(HADOOP, 'fs', '-put', '/tmp/xenos-bench/input-text-1000', '/xenos-bench/input-1000/part-0'), result: ok(), takesS: 5 },
      { expect: 'does old output exist', match: has('-test', '-e', '/xenos-bench/wordcount-out'), result: ok() },
      { expect: 'remove old output with -rmr', match: has(HADOOP, 'fs', '-rmr', '/xenos-bench/wordcount-out'), result: ok() },
      {
        expect: 'the wordcount job',
        match: argv => argv.join(' ') === `${HADOOP} jar ${JAR} wordcount /xenos-bench/input-1000 /xenos-bench/wordcount-out`,
        result: { exitCode: 0, stderr: transcript('h1-wordcount.txt') },
        takesS: 91.5
      }
    ])
    const started: number[] = []
    const r = await hadoop.run({ kind: 'wordcount', inputBytes: 1000 }, { onTimedStart: (atS) => { started.push(atS) } })
    expect(runner.remaining).toBe(0)
    expect(started).toEqual([35]) // once, when the job starts: after the 30 s generator and the 5 s put
    expect(r.durationS).toBe(91.5)
    expect(r.counters).toMatchObject({ mapsLaunched: 17, mapsFailed: 1, tasksReexecuted: 1, hdfsBytesRead: 1073741824 })
  })

  it('Wordcount again: an input already in HDFS with the right size is reused', async () => {
    const { hadoop, runner } = realHadoop([
      mkdirLocal,
      { expect: 'input exists', match: has('-test', '-e', '/xenos-bench/input-1000/part-0'), result: ok() },
      { expect: 'input size', match: has('-stat', '%b %r', '/xenos-bench/input-1000/part-0'), result: ok('1000 2\n') },
      { expect: 'no old output', match: has('-test', '-e', '/xenos-bench/wordcount-out'), result: missing },
      { expect: 'the job', match: has('jar', JAR, 'wordcount'), result: { stderr: transcript('h1-wordcount.txt') }, takesS: 10 }
    ])
    const r = await hadoop.run({ kind: 'wordcount', inputBytes: 1000 })
    expect(runner.remaining).toBe(0)
    expect(r.durationS).toBe(10)
  })

  it('Sort: RandomWriter first (untimed, both property names), then Sort timed', async () => {
    const { hadoop, runner } = realHadoop([
      mkdirLocal,
      { expect: 'sort-in exists?', match: has('-test', '-e', '/xenos-bench/sort-in'), result: missing },
      { expect: 'sort-out exists?', match: has('-test', '-e', '/xenos-bench/sort-out'), result: missing },
      {
        expect: 'randomwriter with sizes',
        match: has('jar', JAR, 'randomwriter',
          '-D', 'test.randomwrite.total_bytes=1073741824', '-D', 'test.randomwrite.bytes_per_map=268435456',
          '-D', 'mapreduce.randomwriter.totalbytes=1073741824', '-D', 'mapreduce.randomwriter.bytespermap=268435456', '/xenos-bench/sort-in'),
        result: { stdout: transcript('h1-randomwriter.txt') },
        takesS: 40
      },
      {
        expect: 'sort',
        match: has('jar', JAR, 'sort', '/xenos-bench/sort-in', '/xenos-bench/sort-out'),
        result: { stdout: transcript('h1-sort.txt') },
        takesS: 127
      }
    ])
    const r = await hadoop.run({ kind: 'sort', inputBytes: 1024 ** 3 })
    expect(runner.remaining).toBe(0)
    expect(r.durationS).toBe(127)
    expect(r.counters).toMatchObject({ mapsLaunched: 16, reducesLaunched: 21, shuffleBytes: 1076007144 })
    expect(r.clientReportedDurationS).toBe(127)
  })

  it('PiEstimator on Hadoop 3: finds the examples jar, returns the estimate', async () => {
    const jar3 = '/opt/hadoop/share/hadoop/mapreduce/hadoop-mapreduce-examples-3.4.1.jar'
    const clock = manualClock()
    const runner = new ReplayRunner([
      { expect: 'local dir', match: has('mkdir', '-p'), result: ok() },
      {
        expect: 'find jar',
        match: argv => argv[0] === 'sh' && argv[2]?.includes('hadoop-mapreduce-examples-*.jar') === true && argv[4] === '/opt/hadoop',
        result: ok(`${jar3}\n`)
      },
      {
        expect: 'pi',
        match: argv => argv.join(' ') === `/opt/hadoop/bin/hadoop jar ${jar3} pi 120 10000`,
        result: { stderr: transcript('h3-pi.txt') },
        takesS: 60
      }
    ], clock)
    const hadoop = new RealHadoop({ hadoopHome: '/opt/hadoop', line: '2+' }, { runner, clock })
    const r = await hadoop.run({ kind: 'pi', maps: 120, samplesPerMap: 10000 })
    expect(r.piEstimate).toBeCloseTo(3.14159, 5)
    expect(r.counters.mapsLaunched).toBe(120)
    expect(r.durationS).toBe(60)
  })

  it('an ambiguous examples jar is an error that says to set examplesJar', async () => {
    const { hadoop } = realHadoop([
      mkdirLocal,
      { expect: 'find jar', match: has('sh', '-c'), result: ok(`${HOME}/hadoop-0.20.2-examples.jar\n${HOME}/hadoop-0.20.203-examples.jar\n`) }
    ], '1', null)
    await expect(hadoop.run({ kind: 'pi', maps: 2, samplesPerMap: 10 })).rejects.toThrow(/exactly one examples jar.*set examplesJar/)
  })
})

describe('RealHadoop: failures are typed and carry the tail of the output', () => {
  it('a Hadoop 1 job that failed (exit 1, Job failed!)', async () => {
    const { hadoop } = realHadoop([
      mkdirLocal,
      { expect: 'x', match: has('-test'), result: missing },
      { expect: 'x', match: has('-test'), result: missing },
      { expect: 'rw', match: has('randomwriter'), result: { stdout: transcript('h1-randomwriter.txt') } },
      { expect: 'sort', match: has('sort'), result: { exitCode: 1, stderr: transcript('h1-failed.txt') } }
    ])
    const e = await hadoop.run({ kind: 'sort', inputBytes: 100 }).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(HadoopJobError)
    const je = e as HadoopJobError
    expect(je.name).toBe('HadoopJobError')
    expect(je.exitCode).toBe(1)
    expect(je.reason).toMatch(/^job failed: # of failed Map Tasks/)
    expect(je.command).toContain('sort')
    expect(je.outputTail).toContain('Exception in thread "main" java.io.IOException: Job failed!')
    expect(je.message).toContain('hadoop command failed')
  })

  it('a YARN job in state FAILED even with exit code 0 is an error', async () => {
    const { hadoop } = realHadoop([
      mkdirLocal,
      { expect: 'pi', match: has('pi'), result: { exitCode: 0, stderr: transcript('h3-failed.txt') } }
    ], '2+')
    await expect(hadoop.run({ kind: 'pi', maps: 8, samplesPerMap: 10 })).rejects.toThrow(/ended in state FAILED/)
  })

  it('ssh failure (exit 255, no output) is a HadoopJobError with the exit code', async () => {
    const refused = { exitCode: 255, stderr: 'ssh: connect to host master port 22: Connection refused\n' }
    const { hadoop } = realHadoop([{ expect: 'mkdir', match: has('mkdir'), result: refused }])
    const e = await hadoop.run({ kind: 'pi', maps: 1, samplesPerMap: 1 }).catch((err: unknown) => err) as HadoopJobError
    expect(e.exitCode).toBe(255)
    expect(e.outputTail).toContain('Connection refused')
  })

  it('PiEstimator output without the estimate is a parse error, not a result', async () => {
    const { hadoop } = realHadoop([
      mkdirLocal,
      { expect: 'pi', match: has('pi'), result: { stderr: transcript('h1-pi.txt').replace(/^Estimated value.*$/m, '') } }
    ])
    await expect(hadoop.run({ kind: 'pi', maps: 120, samplesPerMap: 10000 })).rejects.toBeInstanceOf(HadoopOutputParseError)
  })
})

describe('RealHadoop: HDFS put and get', () => {
  it('put: timed put, then the stored length and replication give the bytes written', async () => {
    const { hadoop, runner } = realHadoop([
      mkdirLocal,
      { expect: 'local size', match: has('sh', '-c'), result: ok('4096\n') },
      { expect: 'old dest?', match: has('-test', '-e', '/xenos-bench/put-4096'), result: missing },
      { expect: 'work dir?', match: has('-test', '-e', '/xenos-bench'), result: missing },
      { expect: 'mkdir', match: has('-mkdir', '/xenos-bench'), result: ok() },
      { expect: 'put', match: has('-put', '/tmp/xenos-bench/input-text-4096', '/xenos-bench/put-4096'), result: ok(), takesS: 12.5 },
      { expect: 'stat', match: has('-stat', '%b %r', '/xenos-bench/put-4096'), result: ok('Warning: $HADOOP_HOME is deprecated.\n4096 2\n') }
    ], '2+')
    const r = await hadoop.run({ kind: 'hdfs-put', sizeBytes: 4096 })
    expect(runner.remaining).toBe(0)
    expect(runner.calls[4]).toEqual([HADOOP, 'fs', '-mkdir', '-p', '/xenos-bench'])
    expect(r.durationS).toBe(12.5)
    expect(r.counters.hdfsBytesWritten).toBe(8192)
  })

  it('get: the HDFS file (not its directory) is fetched, timed, and its local size is the bytes read', async () => {
    const { hadoop, runner } = realHadoop([
      mkdirLocal,
      { expect: 'input', match: has('-test', '-e', '/xenos-bench/input-4096/part-0'), result: ok() },
      { expect: 'stat', match: has('-stat'), result: ok('4096 2\n') },
      { expect: 'rm', match: has('rm', '-f', '/tmp/xenos-bench/get-4096.out'), result: ok() },
      {
        expect: 'get',
        match: argv => argv.join(' ') === `${HADOOP} fs -get /xenos-bench/input-4096/part-0 /tmp/xenos-bench/get-4096.out`,
        result: ok(),
        takesS: 2.25
      },
      { expect: 'size', match: has('sh', '-c'), result: ok('4096\n') }
    ])
    const r = await hadoop.run({ kind: 'hdfs-get', sizeBytes: 4096 })
    expect(runner.remaining).toBe(0)
    expect(r.durationS).toBe(2.25)
    expect(r.counters.hdfsBytesRead).toBe(4096)
  })

  it('get: a short file after the get is an error, not a result', async () => {
    const { hadoop } = realHadoop([
      mkdirLocal,
      { expect: 'input', match: has('-test', '-e', '/xenos-bench/input-4096/part-0'), result: ok() },
      { expect: 'stat', match: has('-stat'), result: ok('4096 2\n') },
      { expect: 'rm', match: has('rm', '-f', '/tmp/xenos-bench/get-4096.out'), result: ok() },
      { expect: 'get', match: has('-get', '/xenos-bench/input-4096/part-0', '/tmp/xenos-bench/get-4096.out'), result: ok(), takesS: 3 },
      { expect: 'size', match: has('sh', '-c'), result: ok('100\n') }
    ])
    await expect(hadoop.run({ kind: 'hdfs-get', sizeBytes: 4096 })).rejects.toThrow(/get-4096.out after the get: expected 4096 bytes, found 100 bytes/)
  })

  it('stat output that is not "<length> <replication>" names what it found', async () => {
    const { hadoop } = realHadoop([
      mkdirLocal,
      { expect: 'local size', match: has('sh', '-c'), result: ok('10\n') },
      { expect: 'dest?', match: has('-test'), result: missing },
      { expect: 'work dir exists', match: has('-test', '-e', '/xenos-bench'), result: ok() },
      { expect: 'put', match: has('-put'), result: ok() },
      { expect: 'stat', match: has('-stat'), result: ok('2010-11-25 10:00:00\n') }
    ])
    await expect(hadoop.run({ kind: 'hdfs-put', sizeBytes: 10 })).rejects.toThrow(/<length> <replication>/)
  })
})

describe('RealHadoop: options are validated', () => {
  it('rejects relative or odd paths and bad lines', () => {
    const c = { runner: new ReplayRunner([]), clock: manualClock() }
    expect(() => new RealHadoop({ hadoopHome: 'opt/hadoop', line: '1' }, c)).toThrow(InvalidRunnerOptionError)
    expect(() => new RealHadoop({ hadoopHome: '/opt/hadoop; rm -rf /', line: '1' }, c)).toThrow(/hadoopHome/)
    expect(() => new RealHadoop({ hadoopHome: '/opt/../etc', line: '1' }, c)).toThrow(/hadoopHome/)
    expect(() => new RealHadoop({ hadoopHome: '/opt/hadoop', line: '3' as '1' }, c)).toThrow(/line/)
    expect(() => new RealHadoop({ hadoopHome: '/opt/hadoop', line: '1', randomWriterBytesPerMap: 0 }, c)).toThrow(/randomWriterBytesPerMap/)
  })

  it('rejects invalid jobs before running anything', async () => {
    const runner = new ReplayRunner([])
    const hadoop = new RealHadoop({ hadoopHome: HOME, line: '1' }, { runner, clock: manualClock() })
    await expect(hadoop.run({ kind: 'pi', maps: 0, samplesPerMap: 1 })).rejects.toThrow(/maps/)
    expect(runner.calls).toEqual([])
  })
})

/**
 * The real runner end to end through the SSH command runner, with two
 * local stand-ins: a fake `ssh` that runs the remote command in a local
 * shell (so the quoting of every argument is exercised), and a fake
 * `bin/hadoop` that keeps "HDFS" in a local directory and prints recorded
 * transcripts for jobs. No network, no Hadoop.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { realClock } from '@xenos/hypervisor-interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sshRunner } from '../src/real/command-runner.js'
import { HadoopJobError } from '../src/real/errors.js'
import { RealHadoop } from '../src/real/real-hadoop.js'

const TRANSCRIPTS = fileURLToPath(new URL('./transcripts', import.meta.url))

const FAKE_HADOOP = `#!/bin/sh
# fake hadoop: HDFS is $ROOT/hdfs; jobs print transcripts
ROOT=$(cd "$(dirname "$0")/.." && pwd)
H="$ROOT/hdfs"
echo "$*" >> "$ROOT/calls.log"
case "$1" in
  fs)
    shift
    case "$1" in
      -test) [ -e "$H$3" ]; exit $? ;;
      -mkdir)
        if [ "$2" = "-p" ]; then mkdir -p "$H$3"
        else [ -e "$H$2" ] && { echo "mkdir: cannot create directory $2: File exists" >&2; exit 255; }; mkdir -p "$H$2"; fi ;;
      -put) [ -e "$H$3" ] && { echo "put: Target $3 already exists" >&2; exit 1; }; cp "$2" "$H$3" ;;
      -get) cp "$H$2" "$3" ;;
      -stat) echo "$(wc -c < "$H$3" | tr -d ' ') 2" ;;
      -rmr) rm -r "$H$2" ;;
      -rm) rm -r "$H$3" ;;
      *) echo "unknown fs command $1" >&2; exit 255 ;;
    esac ;;
  jar)
    case "$3" in
      wordcount) [ -d "$H$4" ] || { echo "Input path does not exist: $4" >&2; exit 1; }; cat "$TRANSCRIPTS/h1-wordcount.txt" >&2 ;;
      pi) cat "$TRANSCRIPTS/h1-pi.txt" ;;
      sort) cat "$TRANSCRIPTS/h1-failed.txt" >&2; exit 1 ;;
      randomwriter) cat "$TRANSCRIPTS/h1-randomwriter.txt" ;;
    esac ;;
esac
`

let root = ''
let hadoop: RealHadoop

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'xenos-e2e-'))
  await mkdir(join(root, 'hadoop', 'bin'), { recursive: true })
  await mkdir(join(root, 'hadoop', 'hdfs'), { recursive: true })
  await writeFile(join(root, 'hadoop', 'bin', 'hadoop'), FAKE_HADOOP.replaceAll('$TRANSCRIPTS', TRANSCRIPTS))
  await chmod(join(root, 'hadoop', 'bin', 'hadoop'), 0o755)
  await writeFile(join(root, 'hadoop', 'hadoop-0.20.2-examples.jar'), '')
  const fakeSsh = join(root, 'ssh')
  await writeFile(fakeSsh, '#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nshift\nexec sh -c "$*"\n')
  await chmod(fakeSsh, 0o755)
  hadoop = new RealHadoop(
    { hadoopHome: join(root, 'hadoop'), line: '1', localWorkDir: join(root, 'local'), hdfsWorkDir: '/bench' },
    { runner: sshRunner({ host: 'master', user: 'hadoop', sshCommand: fakeSsh }), clock: realClock() }
  )
})
afterAll(async () => { await rm(root, { recursive: true, force: true }) })

describe('RealHadoop through ssh (local stand-ins)', () => {
  it('HDFS put: generates exactly the text asked for, puts it, reports bytes written x replication', async () => {
    const r = await hadoop.run({ kind: 'hdfs-put', sizeBytes: 20000 })
    expect(r.counters.hdfsBytesWritten).toBe(40000)
    expect(r.durationS).toBeGreaterThan(0)
    const stored = await readFile(join(root, 'hadoop', 'hdfs', 'bench', 'put-20000'), 'utf8')
    expect(stored.length).toBe(20000)
    expect(stored.split('\n')[0]!.split(' ')).toHaveLength(12)
    // a second put replaces the old copy instead of failing on "already exists"
    expect((await hadoop.run({ kind: 'hdfs-put', sizeBytes: 20000 })).counters.hdfsBytesWritten).toBe(40000)
  })

  it('HDFS get after loading the input; Wordcount reuses that input', async () => {
    const g = await hadoop.run({ kind: 'hdfs-get', sizeBytes: 3000 })
    expect(g.counters.hdfsBytesRead).toBe(3000)
    const w = await hadoop.run({ kind: 'wordcount', inputBytes: 3000 })
    expect(w.counters.mapsLaunched).toBe(17)
    const calls = (await readFile(join(root, 'hadoop', 'calls.log'), 'utf8')).split('\n')
    expect(calls.filter(c => c.startsWith('fs -put') && c.includes('/bench/input-3000/part-0'))).toHaveLength(1)
    expect(calls).toContain(`jar ${join(root, 'hadoop', 'hadoop-0.20.2-examples.jar')} wordcount /bench/input-3000 /bench/wordcount-out`)
  })

  it('finds the examples jar under the Hadoop home and runs PiEstimator', async () => {
    const r = await hadoop.run({ kind: 'pi', maps: 120, samplesPerMap: 10000 })
    expect(r.piEstimate).toBeCloseTo(3.1416, 4)
  })

  it('a failing Sort is a HadoopJobError carrying the output tail', async () => {
    const e = await hadoop.run({ kind: 'sort', inputBytes: 1000 }).catch((err: unknown) => err) as HadoopJobError
    expect(e).toBeInstanceOf(HadoopJobError)
    expect(e.exitCode).toBe(1)
    expect(e.outputTail).toContain('java.io.IOException: Job failed!')
  })
})

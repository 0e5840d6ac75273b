/**
 * The commands the real runner runs on the master, as argv arrays: the
 * `hadoop` client of the installed Hadoop (1.x or 2+), the examples jar, and
 * the local data generators. Pure functions: easy to check, nothing run.
 */
import type { HadoopLine } from '../hadoop-config.js'
import { InvalidRunnerOptionError } from './errors.js'

export interface HadoopInstall {
  /** Hadoop's home directory on the master (has `bin/hadoop`). */
  hadoopHome: string
  line: HadoopLine
}

const ABS_PATH_RE = /^\/[A-Za-z0-9._/+-]*$/

/** Throws unless `p` is an absolute path of plain characters (it ends up in remote commands). */
export function assertPlainPath (p: string, field: string): string {
  if (!ABS_PATH_RE.test(p) || p.split('/').includes('..')) throw new InvalidRunnerOptionError(field, 'an absolute path of letters, digits and ._/+-', p)
  return p
}

export function hadoopBin (install: HadoopInstall): string {
  return `${assertPlainPath(install.hadoopHome, 'hadoopHome').replace(/\/+$/, '')}/bin/hadoop`
}

export const fsCommands = {
  put: (i: HadoopInstall, local: string, hdfs: string) => [hadoopBin(i), 'fs', '-put', local, hdfs],
  get: (i: HadoopInstall, hdfs: string, local: string) => [hadoopBin(i), 'fs', '-get', hdfs, local],
  /** Exit 0 when the path exists (`-test -e`, in 0.20 and later). */
  exists: (i: HadoopInstall, hdfs: string) => [hadoopBin(i), 'fs', '-test', '-e', hdfs],
  /** Prints `<length> <replication>` (`-stat` formats %b and %r, in 0.20 and later). */
  stat: (i: HadoopInstall, hdfs: string) => [hadoopBin(i), 'fs', '-stat', '%b %r', hdfs],
  /** Recursive delete: `-rmr` in Hadoop 1, `-rm -r` in 2+ (call only when the path exists). */
  remove: (i: HadoopInstall, hdfs: string) => i.line === '1' ? [hadoopBin(i), 'fs', '-rmr', hdfs] : [hadoopBin(i), 'fs', '-rm', '-r', hdfs],
  /** Hadoop 1's `-mkdir` makes parents; 2+ needs `-p`. */
  mkdir: (i: HadoopInstall, hdfs: string) => i.line === '1' ? [hadoopBin(i), 'fs', '-mkdir', hdfs] : [hadoopBin(i), 'fs', '-mkdir', '-p', hdfs]
}

/**
 * RandomWriter's size settings under both names: Hadoop 0.20/1.x reads
 * `test.randomwrite.*`, 2+ reads `mapreduce.randomwriter.*`; each ignores
 * the other's, so passing both works on either line.
 */
export function randomWriterDefines (totalBytes: number, bytesPerMap: number): string[] {
  const perMap = Math.min(bytesPerMap, totalBytes)
  return [
    '-D', `test.randomwrite.total_bytes=${totalBytes}`, '-D', `test.randomwrite.bytes_per_map=${perMap}`,
    '-D', `mapreduce.randomwriter.totalbytes=${totalBytes}`, '-D', `mapreduce.randomwriter.bytespermap=${perMap}`
  ]
}

export const exampleCommands = {
  wordcount: (i: HadoopInstall, jar: string, input: string, output: string) => [hadoopBin(i), 'jar', jar, 'wordcount', input, output],
  randomwriter: (i: HadoopInstall, jar: string, output: string, totalBytes: number, bytesPerMap: number) =>
    [hadoopBin(i), 'jar', jar, 'randomwriter', ...randomWriterDefines(totalBytes, bytesPerMap), output],
  sort: (i: HadoopInstall, jar: string, input: string, output: string) => [hadoopBin(i), 'jar', jar, 'sort', input, output],
  pi: (i: HadoopInstall, jar: string, maps: number, samplesPerMap: number) => [hadoopBin(i), 'jar', jar, 'pi', String(maps), String(samplesPerMap)]
}

/**
 * Candidates for the examples jar under the Hadoop home, by line:
 * `hadoop-0.20.2-examples.jar`, `hadoop-examples-1.2.1.jar`,
 * `share/hadoop/mapreduce/hadoop-mapreduce-examples-3.3.6.jar`.
 * Lists the matches one per line (`ls -1`), nothing when there are none.
 */
export function findExamplesJarCommand (install: HadoopInstall): string[] {
  const home = assertPlainPath(install.hadoopHome, 'hadoopHome').replace(/\/+$/, '')
  const patterns = install.line === '1'
    ? '"$1"/hadoop-*examples*.jar'
    : '"$1"/share/hadoop/mapreduce/hadoop-mapreduce-examples-*.jar'
  return ['sh', '-c', `ls -1 ${patterns} 2>/dev/null | grep -v -e -sources -e -test || true`, 'sh', home]
}

/** Size of a local file in bytes, or nothing when it does not exist. */
export function localSizeCommand (path: string): string[] {
  return ['sh', '-c', 'if [ -f "$1" ]; then wc -c < "$1"; fi', 'sh', path]
}

export function localRemoveCommand (path: string): string[] {
  return ['rm', '-f', path]
}

export function localMkdirCommand (path: string): string[] {
  return ['mkdir', '-p', path]
}

/** `sizeBytes` of random bytes from /dev/urandom into `path`. */
export function randomFileCommand (path: string, sizeBytes: number): string[] {
  return ['sh', '-c', 'head -c "$1" /dev/urandom > "$2"', 'sh', String(sizeBytes), path]
}

/** The generator's vocabulary, most frequent first. */
const VOCABULARY = [
  'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were',
  'her she there one all we their been has when who will more no if out so said what up its about into than them can only',
  'other new some could time these two may then do first any my now such like our over man me even most made after also did',
  'many before must through back years where much your way well down should because each just those people how too little',
  'state good very make world still own see men work long here get both between life being under never day same another',
  'know while last might us great old year off come since against go came right used take three data cluster node virtual',
  'machine hadoop service host peer search migrate template instance network block replica map reduce task job tracker'
].join(' ')

/**
 * Exactly `sizeBytes` of English-like text into `path`: lines of 12 words
 * drawn from a fixed vocabulary with a skew toward the first words (so word
 * frequencies fall off as in real text), from awk's seeded generator. The
 * paper's input was "a large text file automatically generated by scripts
 * beforehand"; this is such a script.
 */
export function textFileCommand (path: string, sizeBytes: number, seed: number): string[] {
  const awk = [
    'BEGIN {',
    ` nv = split("${VOCABULARY}", v, " ");`,
    ' srand(seed); b = 0;',
    ' while (b < n) {',
    '  line = ""; for (k = 0; k < 12; k++) { w = v[int(nv * rand() * rand()) + 1]; line = (k == 0) ? w : line " " w };',
    '  print line; b += length(line) + 1',
    ' }',
    '}'
  ].join('\n')
  return ['sh', '-c', `awk -v n="$1" -v seed="$2" '${awk}' | head -c "$1" > "$3"`, 'sh', String(sizeBytes), String(seed), path]
}

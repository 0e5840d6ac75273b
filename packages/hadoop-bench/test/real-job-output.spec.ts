import { describe, expect, it } from 'vitest'
import { HadoopOutputParseError } from '../src/real/errors.js'
import { toJobCounters } from '../src/real/counters.js'
import { jobFailureReason, parseJobOutput } from '../src/real/job-output.js'
import { transcript } from './replay-runner.js'

describe('parseJobOutput: Hadoop 1.x JobClient', () => {
  it('reads a 0.20-format Wordcount with a failed, re-executed attempt', () => {
    const p = parseJobOutput(transcript('h1-wordcount.txt'))
    expect(p.format).toBe('jobclient')
    expect(p.jobId).toBe('job_201011250930_0003')
    expect(p.lastProgress).toEqual({ mapPercent: 100, reducePercent: 100 })
    expect(p.counters.get('Job Counters')?.get('Launched map tasks')).toBe(17)
    expect(toJobCounters(p.counters)).toEqual({
      mapsLaunched: 17, reducesLaunched: 22, mapsFailed: 1, reducesFailed: 0, tasksReexecuted: 1,
      dataLocalMaps: 15, hdfsBytesRead: 1073741824, hdfsBytesWritten: 2318, shuffleBytes: 61027
    })
    expect(jobFailureReason(transcript('h1-wordcount.txt'))).toBeUndefined()
  })

  it('reads PiEstimator: estimate, its own timing, counters', () => {
    const p = parseJobOutput(transcript('h1-pi.txt'))
    expect(p.piEstimate).toBeCloseTo(3.1416, 4)
    expect(p.clientReportedDurationS).toBeCloseTo(72.414)
    const c = toJobCounters(p.counters)
    expect(c.mapsLaunched).toBe(120)
    expect(c.reducesLaunched).toBe(1)
    expect(c.shuffleBytes).toBe(3360)
  })

  it('reads a map-only RandomWriter (no reduces, no reads)', () => {
    const c = toJobCounters(parseJobOutput(transcript('h1-randomwriter.txt')).counters)
    expect(c).toMatchObject({ mapsLaunched: 4, reducesLaunched: 0, hdfsBytesRead: 0, hdfsBytesWritten: 1077199336, shuffleBytes: 0 })
  })

  it('sees the failure of a JobClient.runJob job', () => {
    expect(jobFailureReason(transcript('h1-failed.txt'))).toMatch(/^job failed: # of failed Map Tasks exceeded/)
  })

  it('a task attempt\'s own uncaught exception during the job is not the client failing', () => {
    const text = transcript('h1-wordcount.txt').replace('java.io.IOException: Task process exit with nonzero status of 1.',
      'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space')
    expect(jobFailureReason(text)).toBeUndefined()
    expect(jobFailureReason(`${text}Exception in thread "main" java.lang.NullPointerException\n`)).toMatch(/^uncaught exception in the client/)
    expect(jobFailureReason('Exception in thread "main" org.apache.hadoop.mapreduce.lib.input.InvalidInputException: Input path does not exist: hdfs://m/in\n'))
      .toMatch(/InvalidInputException/)
  })
})

describe('parseJobOutput: Hadoop 2/3 mapreduce.Job', () => {
  it('reads a 2.x Wordcount (tab-indented counters, killed and failed attempts)', () => {
    const text = transcript('h2-wordcount.txt')
    const p = parseJobOutput(text)
    expect(p.format).toBe('yarn')
    expect(p.jobId).toBe('job_1623579730829_0002')
    expect(p.counters.get('Map-Reduce Framework')?.get('Shuffled Maps')).toBe(384)
    expect(toJobCounters(p.counters)).toEqual({
      mapsLaunched: 19, reducesLaunched: 24, mapsFailed: 2, reducesFailed: 0, tasksReexecuted: 2,
      dataLocalMaps: 13, hdfsBytesRead: 1073743584, hdfsBytesWritten: 2318, shuffleBytes: 72311
    })
    expect(jobFailureReason(text)).toBeUndefined()
  })

  it('reads a 3.x PiEstimator with ISO 8601 timestamps', () => {
    const p = parseJobOutput(transcript('h3-pi.txt'))
    expect(p.jobId).toBe('job_1771402826595_0125')
    expect(p.piEstimate).toBeCloseTo(3.14159, 5)
    expect(toJobCounters(p.counters).hdfsBytesRead).toBe(31660)
  })

  it('sees a job that ended in state FAILED, and refuses to parse it as a success', () => {
    const text = transcript('h3-failed.txt')
    expect(jobFailureReason(text)).toBe('job job_1771402826595_0160 ended in state FAILED: Task failed task_1771402826595_0160_m_000000')
    expect(() => parseJobOutput(text)).toThrow(/completed successfully/)
  })
})

describe('parseJobOutput: unknown or damaged output is an error naming the line', () => {
  const parseError = (text: string): HadoopOutputParseError => {
    try { parseJobOutput(text) } catch (e) { if (e instanceof HadoopOutputParseError) return e; throw e }
    throw new Error('expected a HadoopOutputParseError')
  }

  it('a truncated counters block (fewer counters than announced)', () => {
    const lines = transcript('h2-wordcount.txt').split('\n')
    const cut = lines.slice(0, lines.length - 8).join('\n')
    const e = parseError(cut)
    expect(e.name).toBe('HadoopOutputParseError')
    expect(e.text).toMatch(/Counters: 53$/)
    expect(e.expected).toBe('53 counters after it')
    expect(e.line).toBe(lines.findIndex(l => l.endsWith('Counters: 53')) + 1)
  })

  it('a counter whose value is not an integer', () => {
    const text = transcript('h1-wordcount.txt').replace('Launched map tasks=17', 'Launched map tasks=seventeen')
    const e = parseError(text)
    expect(e.text).toContain('Launched map tasks=seventeen')
    expect(e.line).toBe(text.split('\n').findIndex(l => l.includes('seventeen')) + 1)
  })

  it('a counter line whose value overflows a safe integer', () => {
    const e = parseError(transcript('h1-sort.txt').replace('FILE_BYTES_READ=2150419710', 'FILE_BYTES_READ=92233720368547758070'))
    expect(e.expected).toMatch(/safe integer/)
  })

  it('a tab-indented line that is not name=integer', () => {
    const e = parseError(transcript('h3-pi.txt').replace('\t\tBAD_ID=0', '\t\tBAD_ID: zero'))
    expect(e.found).toContain('BAD_ID: zero')
  })

  it('two different jobs in one output', () => {
    const text = transcript('h1-pi.txt').replace('Job complete: job_201011250930_0007', 'Running job: job_201011250930_0099')
    expect(parseError(text).found).toMatch(/second job job_201011250930_0099/)
  })

  it('no completion line, no job id, no client lines at all', () => {
    expect(parseError(transcript('h1-pi.txt').replace(/^.*Job complete.*$/m, '')).found).toBe('no completion line')
    expect(parseError(transcript('h1-pi.txt').replace(/^.*Running job.*$/m, '')).found).toBe('no job id')
    expect(parseError('Usage: wordcount <in> <out>\n').expected).toMatch(/JobClient or mapreduce.Job/)
  })

  it('the same counter twice in a group', () => {
    const text = transcript('h1-pi.txt').replace('Data-local map tasks=118', 'Launched map tasks=118')
    expect(parseError(text).found).toMatch(/"Launched map tasks" again/)
  })

  it('counters without Launched map tasks are not read as a job that ran nothing', () => {
    const p = parseJobOutput(transcript('h1-pi.txt').replace('Launched map tasks=120', 'Launched maps=120'))
    expect(() => toJobCounters(p.counters)).toThrow(HadoopOutputParseError)
  })

  it('Windows line endings are read the same', () => {
    const p = parseJobOutput(transcript('h1-pi.txt').replace(/\n/g, '\r\n'))
    expect(toJobCounters(p.counters).mapsLaunched).toBe(120)
  })
})

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { measurement, onTestbed, stringifyResultSet, type ExperimentDefinition, type Testbed, type TestbedFactory } from '@xenos/experiment-interface'
import { runExperiments } from './runner.js'
import { JOURNAL_FILE, openRunJournal, RunJournalError, type RunIdentity } from './run-journal.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'xenos-journal-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

/** Experiments whose value is a function of the seed; `crashAt` makes the n-th step of the whole run fail once. */
function experiments (names: string[], steps: { ran: string[], crashAt?: number }): ExperimentDefinition[] {
  return names.map((name, k) => ({
    name,
    title: name,
    parameters: {},
    async run (_testbed, ctx) {
      steps.ran.push(`${name}/${ctx.repetition}`)
      if (steps.crashAt !== undefined && steps.ran.length === steps.crashAt) throw new Error('the lab lost its power')
      return [measurement({ experiment: name, setup: 'PHY', params: { k } }, 'durationS', onTestbed(ctx.seed * 10 + k, 's'))]
    }
  }))
}
const factory: TestbedFactory = async () => ({ close: async () => {} }) as unknown as Testbed
const identity = (over: Partial<RunIdentity> = {}): RunIdentity => ({
  backend: 'sim', platform: { name: 'p', sha256: 'a'.repeat(64) }, experiments: ['a', 'b', 'c'], seed: 1, repetitions: 2,
  software: { name: 't', version: '1' }, ...over
})
const options = {
  backend: 'sim' as const,
  factory,
  seed: 1,
  repetitions: 2,
  startedAt: '2026-01-01T00:00:00.000Z',
  platform: { name: 'p', file: 'p.yaml', sha256: 'a'.repeat(64) },
  software: { name: 't', version: '1' }
}

describe('the run journal', () => {
  it('keeps the finished steps of a run that stops, and the run again does only the rest, with the same results', async () => {
    const uninterrupted = stringifyResultSet(await runExperiments(experiments(['a', 'b', 'c'], { ran: [] }), options))

    const first = { ran: [] as string[], crashAt: 5 }
    const j1 = await openRunJournal(dir, identity())
    await expect(runExperiments(experiments(['a', 'b', 'c'], first), { ...options, journal: j1 })).rejects.toThrow(/lost its power/)
    await j1.close()
    expect(first.ran).toEqual(['a/0', 'b/0', 'c/0', 'a/1', 'b/1'])

    const second = { ran: [] as string[] }
    const j2 = await openRunJournal(dir, identity())
    expect(j2.resumedSteps).toBe(4)
    const resumed = stringifyResultSet(await runExperiments(experiments(['a', 'b', 'c'], second), { ...options, journal: j2 }))
    expect(second.ran).toEqual(['b/1', 'c/1'])
    expect(resumed).toBe(uninterrupted)
    await j2.remove()
    await expect(readFile(join(dir, JOURNAL_FILE))).rejects.toThrow(/ENOENT/)
  })

  it('ignores a torn last line: that step runs again', async () => {
    const j = await openRunJournal(dir, identity())
    await runExperiments(experiments(['a', 'b', 'c'], { ran: [] }), { ...options, repetitions: 1, journal: j })
    await j.close()
    const text = await readFile(join(dir, JOURNAL_FILE), 'utf8')
    await writeFile(join(dir, JOURNAL_FILE), text.slice(0, text.length - 20)) // the process died writing the last step
    const again = await openRunJournal(dir, identity())
    expect(again.resumedSteps).toBe(2)
    expect(again.get('c', 0)).toBeUndefined()
    await again.close()
  })

  it('never mixes in the journal of another run, and keeps it aside', async () => {
    const j = await openRunJournal(dir, identity())
    await j.put({ experiment: 'a', repetition: 0, seed: 1, runs: [] })
    await j.close()
    const reasons: string[] = []
    const other = await openRunJournal(dir, identity({ seed: 7, software: { name: 't', version: '2' } }), { onDiscard: r => reasons.push(r) })
    expect(other.resumedSteps).toBe(0)
    expect(reasons).toEqual([expect.stringMatching(/it is of another run \(differs in seed, software\); kept as .*journal\.jsonl\.old, starting over/)])
    await other.close()
    const fresh = await openRunJournal(dir, identity({ seed: 7, software: { name: 't', version: '2' } }), { fresh: true, onDiscard: r => reasons.push(r) })
    expect(fresh.resumedSteps).toBe(0)
    expect(reasons[1]).toMatch(/asked to start over/)
    await fresh.close()
  })

  it('names the line of a damaged journal', async () => {
    await writeFile(join(dir, JOURNAL_FILE), `${JSON.stringify({ journal: 1, identity: identity() })}\n{"experiment": "a"}\n`)
    await expect(openRunJournal(dir, identity())).rejects.toThrow(RunJournalError)
    await expect(openRunJournal(dir, identity())).rejects.toThrow(/journal\.jsonl:2: expected a step \{ experiment, repetition, seed, runs \}/)
  })
})

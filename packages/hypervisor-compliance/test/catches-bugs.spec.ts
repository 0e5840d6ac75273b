// The suite fails a driver that breaks the contract, and names the clause:
// each buggy in-memory driver fails exactly the clauses its bug breaks.
import { describe, it, expect } from 'vitest'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLAUSES } from '../src/index.js'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

interface JsonReport { testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[], title: string, status: string }> }> }

const EXPECTED: Record<string, string[]> = {
  'pause-stopped-ok': ['lifecycle.pause.invalid'],
  'destroy-not-idempotent': ['lifecycle.destroy.idempotent'],
  'create-leaks-on-oom': ['accounting.memory.never-fits'],
  'migration-keeps-source': ['migration.live'],
  'restore-new-uuid': ['checkpoint.save-restore'],
  'failed-migration-stops-domain': ['migration.failed']
}

describe('the compliance suite catches broken drivers', () => {
  it('fails exactly the clause each bug breaks', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'compliance-check-')), 'report.json')
    const args = [
      vitestBin, 'run', '--config', 'test/fixtures/vitest.config.ts', '--reporter=json', `--outputFile=${out}`, 'test/fixtures/broken-drivers.check.ts'
    ]
    const r = spawnSync(process.execPath, args, { cwd: pkg, encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr.slice(-2000)).toBe(1) // the buggy drivers fail
    const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport
    const failed: Record<string, string[]> = {}
    const ran = new Set<string>()
    let passed = 0
    let other = 0
    for (const file of report.testResults) {
      for (const t of file.assertionResults) {
        const bug = /hypervisor compliance: bug (\S+)/.exec(t.ancestorTitles.join(' '))?.[1]
        if (bug === undefined) continue
        ran.add(bug)
        if (t.status === 'failed') (failed[bug] ??= []).push(/^\[([^\]]+)\]/.exec(t.title)?.[1] ?? t.title)
        else if (t.status === 'passed') passed++
        else other++
      }
    }
    expect([...ran].sort()).toEqual(Object.keys(EXPECTED).sort())
    expect(failed).toEqual(EXPECTED)
    // Each buggy driver runs one test per clause (the in-memory driver has every capability, so none
    // is skipped) and passes every clause but those its bug breaks.
    const clauses = Object.keys(CLAUSES).length
    const broken = Object.values(EXPECTED).flat().length
    expect(other).toBe(0)
    expect(passed).toBe(Object.keys(EXPECTED).length * clauses - broken)
  }, 150_000)
})

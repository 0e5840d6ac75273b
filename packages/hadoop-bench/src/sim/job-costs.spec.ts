import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readEstimates, unsourcedNumbers } from '@xenos/config-file'
import { DEFAULT_COSTS_FILE, loadCosts } from './job-costs.js'

describe('the shipped cost files', () => {
  it('give every number its source and list their estimates, each range holding its value', async () => {
    const dir = dirname(DEFAULT_COSTS_FILE)
    const files = (await readdir(dir)).filter(f => f.endsWith('.yaml'))
    expect(files).toContain('hadoop-0.20.yaml')
    for (const f of files) {
      const text = await readFile(join(dir, f), 'utf8')
      expect(unsourcedNumbers(text), `${f}: numbers without a comment saying where they come from`).toEqual([])
      expect(readEstimates(text, f).length, `${f}: estimates`).toBeGreaterThan(0)
      await loadCosts(join(dir, f))
    }
  })
})

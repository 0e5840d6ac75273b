import { describe, it, expect } from 'vitest'
import { Engine } from '../src/index.js'
import { goldenPlatform } from './golden-fixtures.js'

describe('smoke', () => {
  it('runs a comm', async () => {
    const e = new Engine({ seed: 1, platform: goldenPlatform(), eventLog: true })
    const c = e.comm({ from: e.host('h1'), to: e.host('h2'), bytes: 100e6 }).start()
    await e.run()
    expect(c.state).toBe('finished')
    expect(c.finishedAtS).toBeCloseTo(1, 9)
    console.log(e.eventLog)
  })
})

import { describe, it, expect } from 'vitest'
import { EXPERIMENTS, experimentByName } from '../definitions/index.js'
import { checkPlatformFor, PlatformPreflightError, slaveHostsWanted } from './platform-preflight.js'

describe('platform preflight', () => {
  it('reads the slave hosts each paper experiment wants from its parameters (12 each)', () => {
    expect(EXPERIMENTS.map(d => [d.name, slaveHostsWanted(d)])).toEqual(EXPERIMENTS.map(d => [d.name, 12]))
  })

  it('passes a 13-host platform and names every experiment an 8-host one cannot run', () => {
    expect(() => { checkPlatformFor('paper.yaml', 13, EXPERIMENTS) }).not.toThrow()
    const err = (() => { try { checkPlatformFor('small.yaml', 8, [experimentByName('pi'), experimentByName('deploy')]) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(PlatformPreflightError)
    expect((err as PlatformPreflightError).problems).toEqual([
      'pi: 12 slave hosts wanted, the platform has 7 (8 hosts, the first one the master)',
      'deploy: 12 slave hosts wanted, the platform has 7 (8 hosts, the first one the master)'
    ])
    expect((err as Error).message).toMatch(/^platform small\.yaml: expected enough slave hosts/)
  })
})

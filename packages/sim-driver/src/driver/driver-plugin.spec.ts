/**
 * The simulated driver as the coordinator's plugin: its host file options
 * (defaults, the platform path made absolute, what a coordinator cannot run)
 * and the driver it makes of them.
 */
import { describe, expect, it } from 'vitest'
import { PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
import { simDriverPlugin } from './driver-plugin.js'

const HOST_FILE = '/etc/xenos/host.yaml'
const schema = simDriverPlugin.optionsSchema({ resolvePath: p => p.startsWith('/') ? p : `/etc/xenos/${p}` })

describe('the sim driver plugin', () => {
  it('fills its defaults and makes the platform path absolute', () => {
    expect(simDriverPlugin.kind).toBe('sim')
    expect(schema.parse({})).toEqual({ seed: 1, mode: 'live' })
    expect(schema.parse({ platform: 'platform.yaml', seed: 7, host: 'node02' }))
      .toEqual({ platform: '/etc/xenos/platform.yaml', seed: 7, host: 'node02', mode: 'live' })
  })

  it('refuses a manual simulation (nothing would run it), a negative seed and unknown fields, each at its field', () => {
    const r = schema.safeParse({ mode: 'manual', seed: -1, colour: 'red' })
    expect(r.success).toBe(false)
    const issues = r.error?.issues.map(i => ({ path: i.path.join('.'), message: i.message, keys: 'keys' in i ? i.keys : undefined }))
    expect(issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'mode', message: '"live" for a coordinator (nothing would run a manual simulation)' }),
      expect.objectContaining({ path: 'seed' }),
      expect.objectContaining({ keys: ['colour'] })
    ]))
  })

  it('makes the driver of the host the options name, else the host file\'s, else the platform\'s first; its images are a port of blank sizes', async () => {
    const options = schema.parse({ platform: PAPER_PLATFORM_FILE, host: 'node03' })
    expect(options.platform).toBe(PAPER_PLATFORM_FILE)
    const named = await simDriverPlugin.create(options, { dataDir: '/tmp/unused', file: HOST_FILE, hostname: 'node05' })
    expect(named.driver.hostname).toBe('node03')
    expect(named.driver.clockKind).toBe('simulated')
    expect(named.images).toMatchObject({ kind: 'port', blankMissingImages: true })
    expect(named.images.kind === 'port' && named.images.port.transport).toBeUndefined() // its peers run in other processes: the overlay carries chunks
    await named.close()
    const byFile = await simDriverPlugin.create(schema.parse({}), { dataDir: '/tmp/unused', file: HOST_FILE, hostname: 'node05' })
    expect(byFile.driver.hostname).toBe('node05')
    await byFile.close()
    const first = await simDriverPlugin.create(schema.parse({}), { dataDir: '/tmp/unused', file: HOST_FILE })
    expect(first.driver.hostname).toBe('master')
    await first.close()
  })

  it('refuses a host the platform lacks, naming the host file and the platform\'s hosts', async () => {
    const made = simDriverPlugin.create(schema.parse({ host: 'node99' }), { dataDir: '/tmp/unused', file: HOST_FILE })
    await expect(made).rejects.toMatchObject({ name: 'InvalidSpecError', field: `${HOST_FILE}: driver.options.host` })
    await expect(made).rejects.toThrow(/expected a host of platform paper-2010 \(master, node01, .*, node12\), found "node99"/)
  })
})

import { describe, expect, it } from 'vitest'
import { quietLogger } from './quiet-logger.js'

describe('quietLogger', () => {
  it('gives one disabled logger for every component and scope when DEBUG names nothing', () => {
    for (const env of [{}, { DEBUG: '' }, { DEBUG: '  ' }]) {
      const components = quietLogger(env)
      expect(components).toBeDefined()
      const log = components!.forComponent('libp2p:yamux')
      expect(log.enabled).toBe(false)
      const scope = log.newScope('stream:1')
      expect(scope.enabled).toBe(false)
      expect(scope.newScope('mss:select')).toBe(scope)
      expect(components!.forComponent('libp2p:tcp')).toBe(log)
      // calls are accepted and do nothing
      expect(() => { log('a %s', 'message'); log.error('an error %e', new Error('x')); log.trace('trace') }).not.toThrow()
    }
  })

  it('leaves libp2p its own loggers when DEBUG names some', () => {
    expect(quietLogger({ DEBUG: 'libp2p:*' })).toBeUndefined()
    expect(quietLogger({ DEBUG: 'other' })).toBeUndefined()
  })
})

/**
 * Seeded fuzzing of the dispatcher: mutated and random documents always get
 * a well-formed response (a value or a fault), never an exception.
 */
import { describe, expect, it } from 'vitest'
import { decodeMethodResponse } from './decode.js'
import { encodeMethodCall } from './encode.js'
import { MethodRegistry } from './registry.js'

function rng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
}

const SNIPPETS = [
  '<', '>', '&', '&amp;', '&#0;', '&#xD800;', ']]>', '<![CDATA[', '<!--', '<?xml version="1.0"?>', '<!DOCTYPE a>', '<value>', '</value>', '<struct>',
  '<member>', '<name>', '<array><data>', '<int>', '99999999999', '\u0000', '\uFFFF', '\u00e9', '"', '\'', '<nil/>', '<i8>-9223372036854775809</i8>'
]

describe('dispatcher fuzzing', () => {
  it('answers every mutated document with a decodable response', async () => {
    const registry = new MethodRegistry()
    registry.register({ name: 'f.echo', params: ['any', 'any?'], returns: 'any', help: '', access: 'public', handler: ([a, b]) => [a, b ?? null] })
    const seedDocs = [
      encodeMethodCall('f.echo', [{ a: [1, 'two', true, 2.5, new Date(0), new Uint8Array([1, 2])], b: null }]),
      encodeMethodCall('f.echo', ['text', [[[{}]]]]),
      encodeMethodCall('system.multicall', [[{ methodName: 'f.echo', params: [1] }]])
    ]
    const next = rng(77)
    const ctx = { transport: 'fuzz' }
    let faults = 0
    let values = 0
    for (let i = 0; i < 1500; i++) {
      let doc = seedDocs[Math.floor(next() * seedDocs.length)] ?? ''
      const edits = 1 + Math.floor(next() * 4)
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (doc.length + 1))
        const kind = Math.floor(next() * 4)
        if (kind === 0) doc = doc.slice(0, at) + (SNIPPETS[Math.floor(next() * SNIPPETS.length)] ?? '') + doc.slice(at)
        else if (kind === 1) doc = doc.slice(0, at) + doc.slice(at + 1 + Math.floor(next() * 20))
        else if (kind === 2) doc = doc.slice(0, at)
        else doc = doc.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x250)) + doc.slice(at)
      }
      const bytes = Buffer.from(doc, 'utf8')
      if (next() < 0.1 && bytes.length > 0) bytes[Math.floor(next() * bytes.length)] = 0xff // invalid UTF-8
      const out = await registry.dispatch(bytes, ctx)
      const res = decodeMethodResponse(out)
      if (res.kind === 'fault') {
        faults++
        expect(res.fault.faultCode).toBeLessThan(0)
      } else values++
    }
    expect(faults).toBeGreaterThan(100)
    expect(values).toBeGreaterThan(0)
  })
})

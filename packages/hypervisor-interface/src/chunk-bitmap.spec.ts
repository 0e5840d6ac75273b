import { describe, expect, it } from 'vitest'
import { bitmapClear, bitmapHas, bitmapSet } from './chunk-bitmap.js'

describe('chunk bitmap', () => {
  it('chunk i is bit 0x80 >> (i & 7) of byte i >> 3; set and clear touch that bit only; past the end nothing is held', () => {
    const bits = new Uint8Array(2)
    bitmapSet(bits, 0)
    bitmapSet(bits, 9)
    bitmapSet(bits, 15)
    expect([...bits]).toEqual([0b1000_0000, 0b0100_0001])
    expect([0, 9, 15].every(i => bitmapHas(bits, i))).toBe(true)
    expect([1, 8, 14].some(i => bitmapHas(bits, i))).toBe(false)
    bitmapClear(bits, 9)
    expect([...bits]).toEqual([0b1000_0000, 0b0000_0001])
    bitmapClear(bits, 9)
    expect([...bits]).toEqual([0b1000_0000, 0b0000_0001])
    expect(bitmapHas(bits, 16)).toBe(false)
  })
})

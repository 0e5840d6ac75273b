/** Reads the PNG signature and IHDR chunk: enough to check a file is a PNG of a given size. */
export interface PngHeader { widthPx: number, heightPx: number }

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export function readPngHeader (png: Buffer): PngHeader {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('expected a PNG signature, found other bytes')
  if (png.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('expected IHDR as the first chunk')
  return { widthPx: png.readUInt32BE(16), heightPx: png.readUInt32BE(20) }
}

/** True when the last chunk is IEND (the file is complete). */
export function endsWithIend (png: Buffer): boolean {
  return png.subarray(png.length - 8, png.length - 4).toString('latin1') === 'IEND'
}

import { PAPER_FIGURES, type FigureSpec } from '@xenos/experiment-interface'
import { createCanvas, loadImage } from 'canvas'
import { describe, expect, it } from 'vitest'
import { endsWithIend, readPngHeader } from '../test/png.js'
import { sampleResultSet } from '../test/sample-result-set.js'
import { InvalidRenderOptionsError } from './errors.js'
import { renderFigure } from './render-figure.js'
import { summarize } from './summarize.js'

function figure (id: string): FigureSpec {
  const spec = PAPER_FIGURES.find(f => f.id === id)
  if (spec === undefined) throw new Error(`no paper figure ${id}`)
  return spec
}

const summaries = summarize(sampleResultSet().runs)

/** Counts pixels of one exact colour in a PNG. */
async function countColor (png: Buffer, rgb: [number, number, number]): Promise<number> {
  const image = await loadImage(png)
  const canvas = createCanvas(image.width, image.height)
  const ctx = canvas.getContext('2d')
  ctx.drawImage(image, 0, 0)
  const { data } = ctx.getImageData(0, 0, image.width, image.height)
  let n = 0
  for (let i = 0; i < data.length; i += 4) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) n++
  return n
}

describe('renderFigure', () => {
  it('renders a complete PNG of 1000x600 by default, for a single-panel and a two-panel figure', async () => {
    for (const id of ['fig6', 'fig4']) {
      const png = await renderFigure(figure(id), summaries)
      expect(readPngHeader(png)).toEqual({ widthPx: 1000, heightPx: 600 })
      expect(endsWithIend(png)).toBe(true)
    }
  })

  it('honours a requested size', async () => {
    const png = await renderFigure(figure('fig8'), summaries, { widthPx: 640, heightPx: 400 })
    expect(readPngHeader(png)).toEqual({ widthPx: 640, heightPx: 400 })
  })

  it('is deterministic: the same input gives the same bytes', async () => {
    const a = await renderFigure(figure('fig5'), summaries)
    const b = await renderFigure(figure('fig5'), summarize([...sampleResultSet().runs].reverse()))
    expect(a.equals(b)).toBe(true)
  })

  it('different data give different images', async () => {
    const other = summarize(sampleResultSet({ vmFactor: 1.5 }).runs)
    const a = await renderFigure(figure('fig6'), summaries)
    const b = await renderFigure(figure('fig6'), other)
    expect(a.equals(b)).toBe(false)
  })

  it('draws each setup in its colour, with a white background', async () => {
    const png = await renderFigure(figure('fig8'), summaries)
    // VM1-2VCPU bars are #8e5bb5 and only appear in fig8's series.
    expect(await countColor(png, [0x8e, 0x5b, 0xb5])).toBeGreaterThan(1000)
    expect(await countColor(png, [255, 255, 255])).toBeGreaterThan(1000 * 600 / 2)
    const fig6 = await renderFigure(figure('fig6'), summaries)
    expect(await countColor(fig6, [0x8e, 0x5b, 0xb5])).toBe(0)
  })

  it('draws whiskers only where there is a confidence interval', async () => {
    // One run per point: no CI, so no whisker ink (#111111) beyond the bar borders.
    const single = summarize(sampleResultSet({ repetitions: 1 }).runs)
    const withCi = summarize(sampleResultSet({ repetitions: 3, noise: 0.2 }).runs)
    const inkSingle = await countColor(await renderFigure(figure('fig8'), single), [0x11, 0x11, 0x11])
    const inkCi = await countColor(await renderFigure(figure('fig8'), withCi), [0x11, 0x11, 0x11])
    expect(inkCi).toBeGreaterThan(inkSingle + 100)
  })

  it('still renders (with a no-data note) when no run matches the figure', async () => {
    const png = await renderFigure({ ...figure('fig6'), experiment: 'nothing-here' }, summaries)
    expect(readPngHeader(png).widthPx).toBe(1000)
  })

  it('rejects unreadable sizes with a typed error', async () => {
    await expect(renderFigure(figure('fig6'), summaries, { widthPx: 50 })).rejects.toThrow(InvalidRenderOptionsError)
  })
})

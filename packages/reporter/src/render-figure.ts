/**
 * Renders a figure spec as a PNG in the paper's form: grouped bars (one
 * series per setup, in the spec's order) per x value, error bars for the 95%
 * confidence interval, axis labels with units, legend and title, on a white
 * background. Panels (e.g. write and read) are drawn side by side in one
 * image. Same input, same bytes (fonts come from the system: see README).
 */
import type { FigureSpec } from '@xenos/experiment-interface'
import { createCanvas, loadImage } from 'canvas'
import type { ChartConfiguration } from 'chart.js'
import { ChartJSNodeCanvas } from 'chartjs-node-canvas'
import { ciWhiskersPlugin, type Whisker } from './ci-whiskers-plugin.js'
import { InvalidRenderOptionsError } from './errors.js'
import { figureData, type FigurePanelData } from './figure-data.js'
import type { Summary } from './summarize.js'

export interface RenderOptions {
  /** @default 1000 */
  widthPx?: number
  /** @default 600 */
  heightPx?: number
}

/** Fixed colours for the paper's setups; other setups take the fallback palette in order. */
export const SETUP_COLORS: Readonly<Record<string, string>> = {
  'PHY': '#3b3b3b',
  'VM1': '#2f6db5',
  'VM2': '#e08a1e',
  'VM4': '#3a9a4a',
  'VM1-2VCPU': '#8e5bb5',
  'PHY-1CORE': '#9a9a9a'
}
const FALLBACK_COLORS = ['#c23b3b', '#17a2b8', '#b5a02f', '#d162a4', '#6b4f2a']

export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif'
const TITLE_BAND_PX = 44

const renderers = new Map<string, ChartJSNodeCanvas>()

/** A chart renderer of one size, shared by every chart of that size. */
export function chartRenderer (widthPx: number, heightPx: number): ChartJSNodeCanvas {
  const key = `${widthPx}x${heightPx}`
  let r = renderers.get(key)
  if (r === undefined) {
    r = new ChartJSNodeCanvas({
      width: widthPx,
      height: heightPx,
      backgroundColour: '#ffffff',
      chartCallback: (ChartJS) => {
        ChartJS.defaults.font.family = FONT_FAMILY
        ChartJS.defaults.color = '#222222'
      }
    })
    renderers.set(key, r)
  }
  return r
}

function colorOf (setup: string, index: number): string {
  return SETUP_COLORS[setup] ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length] ?? '#777777'
}

function subtitleOf (spec: FigureSpec, panel: FigurePanelData): string {
  const points = panel.series.flatMap(s => s.points).filter((p): p is Summary => p !== undefined)
  if (points.length === 0) return `No data: no runs of "${spec.experiment}" with metric ${spec.metric}`
  const ns = points.map(p => p.n)
  const lo = Math.min(...ns)
  const hi = Math.max(...ns)
  const n = lo === hi ? `n = ${lo}` : `n = ${lo}..${hi}`
  return `Bars: mean (${n}); whiskers: 95% CI (Student t)${spec.lowerIsBetter ? '; lower is better' : ''}`
}

function panelConfig (spec: FigureSpec, panel: FigurePanelData, title: string): ChartConfiguration<'bar'> {
  const whiskers: Array<Array<Whisker | null>> = panel.series.map(s =>
    s.points.map(p => (p?.ciLow != null && p.ciHigh != null ? { low: p.ciLow, high: p.ciHigh } : null)))
  const tops = panel.series.flatMap(s => s.points.map(p => (p === undefined ? 0 : Math.max(p.mean, p.ciHigh ?? p.mean))))
  const top = Math.max(0, ...tops)
  return {
    type: 'bar',
    data: {
      labels: panel.xValues.map(String),
      datasets: panel.series.map((s, i) => ({
        label: s.setup,
        data: s.points.map(p => p?.mean ?? null),
        backgroundColor: colorOf(s.setup, i),
        borderColor: '#111111',
        borderWidth: 1,
        categoryPercentage: 0.75,
        barPercentage: 0.9,
        maxBarThickness: 90
      }))
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { left: 8, right: 16, top: 4, bottom: 4 } },
      plugins: {
        title: { display: title !== '', text: title, font: { size: 18, weight: 'bold' }, padding: { top: 8, bottom: 4 } },
        subtitle: { display: true, text: subtitleOf(spec, panel), font: { size: 13 }, padding: { bottom: 8 } },
        legend: { display: true, position: 'top', labels: { font: { size: 14 }, boxWidth: 18 } },
        tooltip: { enabled: false }
      },
      scales: {
        x: {
          title: { display: true, text: spec.x.label, font: { size: 15, weight: 'bold' } },
          ticks: { font: { size: 14 } },
          grid: { display: false }
        },
        y: {
          beginAtZero: true,
          suggestedMax: top > 0 ? top * 1.05 : 1,
          title: { display: true, text: spec.yLabel, font: { size: 15, weight: 'bold' } },
          ticks: { font: { size: 13 } },
          grid: { color: '#e3e3e3' }
        }
      }
    },
    plugins: [ciWhiskersPlugin({ whiskers })]
  }
}

/**
 * Renders one figure to PNG bytes.
 *
 * @example
 * ```ts
 * const png = await renderFigure(PAPER_FIGURES[0], summarize(resultSet.runs))
 * await writeFile('fig4.png', png)
 * ```
 */
export async function renderFigure (spec: FigureSpec, summaries: readonly Summary[], options: RenderOptions = {}): Promise<Buffer> {
  const widthPx = options.widthPx ?? 1000
  const heightPx = options.heightPx ?? 600
  if (!(Number.isInteger(widthPx) && widthPx >= 200 && Number.isInteger(heightPx) && heightPx >= 150)) {
    throw new InvalidRenderOptionsError('integer width >= 200 and height >= 150 pixels', `${widthPx}x${heightPx}`)
  }
  const data = figureData(spec, summaries)
  const [only] = data.panels
  if (data.panels.length === 1 && only !== undefined) {
    return await chartRenderer(widthPx, heightPx).renderToBuffer(panelConfig(spec, only, spec.title) as ChartConfiguration, 'image/png')
  }
  // Several panels: one chart per panel, side by side under the figure title.
  const panelWidthPx = Math.floor(widthPx / data.panels.length)
  const panelHeightPx = heightPx - TITLE_BAND_PX
  const canvas = createCanvas(widthPx, heightPx)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, widthPx, heightPx)
  ctx.fillStyle = '#222222'
  ctx.font = `bold 18px ${FONT_FAMILY}`
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  ctx.fillText(spec.title, widthPx / 2, TITLE_BAND_PX / 2 + 4, widthPx - 20)
  for (const [i, panel] of data.panels.entries()) {
    const png = await chartRenderer(panelWidthPx, panelHeightPx).renderToBuffer(panelConfig(spec, panel, panel.label) as ChartConfiguration, 'image/png')
    ctx.drawImage(await loadImage(png), i * panelWidthPx, TITLE_BAND_PX)
  }
  return canvas.toBuffer('image/png')
}

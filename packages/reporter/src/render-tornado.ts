/**
 * A tornado chart of one finding's sensitivity: per estimated input that
 * moves the margin, two bars from the margin on the base inputs, one to the
 * margin with the input at the low end of its range and one to the margin at
 * the high end, largest swing on top; a dashed line at the base margin and a
 * red one at 0, where the verdict flips (always in view); a grey band where
 * the margin lies on single seeds of the report (run-to-run variation). Same input, same bytes.
 */
import type { Chart, ChartConfiguration, Plugin } from 'chart.js'
import type { FindingSensitivity, InputSensitivity } from '@xenos/experiment-interface'
import { formatInput as fmt } from './format.js'
import { chartRenderer } from './render-figure.js'

/** Inputs drawn, largest swing first. */
const MAX_BARS = 8

/** Shades the band between x = `from` and x = `to` across the chart area (under the bars). */
function band (from: number, to: number, color: string): Plugin<'bar'> {
  return {
    id: 'spread',
    beforeDatasetsDraw (chart: Chart<'bar'>): void {
      const x0 = chart.scales.x?.getPixelForValue(from)
      const x1 = chart.scales.x?.getPixelForValue(to)
      if (x0 === undefined || x1 === undefined) return
      const { ctx, chartArea } = chart
      ctx.save()
      ctx.fillStyle = color
      ctx.fillRect(Math.min(x0, x1), chartArea.top, Math.max(1, Math.abs(x1 - x0)), chartArea.bottom - chartArea.top)
      ctx.restore()
    }
  }
}

/** Draws a vertical line at x = `value` across the chart area. */
function verticalLine (id: string, value: number, color: string, dash: number[]): Plugin<'bar'> {
  return {
    id,
    afterDatasetsDraw (chart: Chart<'bar'>): void {
      const x = chart.scales.x?.getPixelForValue(value)
      if (x === undefined) return
      const { ctx, chartArea } = chart
      ctx.save()
      ctx.strokeStyle = color
      ctx.lineWidth = 2
      ctx.setLineDash(dash)
      ctx.beginPath()
      ctx.moveTo(x, chartArea.top)
      ctx.lineTo(x, chartArea.bottom)
      ctx.stroke()
      ctx.restore()
    }
  }
}

/** An input's name on its bar: its path in its file, without the host type's prefix (`disks.0.readBps`). */
function barName (input: string): string {
  return (input.split('#')[1] ?? input).replace(/^hostTypes\.[^.]+\./, '')
}

/** The inputs a chart draws: those that move the margin at all, largest swing first (the analysis' order), at most `MAX_BARS`. */
export function tornadoBars (s: FindingSensitivity): InputSensitivity[] {
  return s.inputs.filter(i => i.marginAtLow !== null && i.marginAtHigh !== null && (i.marginAtLow !== s.baseMargin || i.marginAtHigh !== s.baseMargin))
    .slice(0, MAX_BARS)
}

/** Renders one finding's tornado chart to PNG bytes. */
export async function renderTornado (s: FindingSensitivity, widthPx = 760): Promise<Buffer> {
  const shown = tornadoBars(s)
  const heightPx = 110 + 30 * Math.max(1, shown.length)
  const labels = shown.map(i => `${barName(i.input)} (${fmt(i.low)} .. ${fmt(i.high)})`)
  const config: ChartConfiguration = {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'input at the low end of its range', data: shown.map(i => [s.baseMargin, i.marginAtLow!]), backgroundColor: '#2f6db5' },
        { label: 'input at the high end of its range', data: shown.map(i => [s.baseMargin, i.marginAtHigh!]), backgroundColor: '#e08a1e' }
      ] as unknown as ChartConfiguration['data']['datasets']
    },
    options: {
      indexAxis: 'y',
      responsive: false,
      animation: false,
      plugins: {
        title: {
          display: true,
          text: `${s.id} (${s.fragile ? 'fragile' : 'robust'}): margin (>= 0 holds) with each estimate at the ends of its range`
            + `${shown.length === 0 ? ': none moves it' : ''}`,
          font: { size: 14, weight: 'bold' }
        },
        legend: { display: true, position: 'top' },
        tooltip: { enabled: false }
      },
      scales: {
        x: {
          // 0 always in view: how far a verdict is from flipping is what the chart shows.
          suggestedMin: Math.min(0, s.baseMargin, ...s.seedMargins),
          suggestedMax: Math.max(0, s.baseMargin, ...s.seedMargins),
          title: {
            display: true,
            text: `margin (red line: the verdict flips; dashed: base inputs${s.seedMargins.length > 1 ? '; grey: the margin on single seeds' : ''})`,
            font: { size: 12 }
          },
          grid: { color: '#e3e3e3' }
        },
        y: { ticks: { font: { size: 11 } } }
      }
    },
    plugins: [
      ...(s.seedMargins.length > 1 ? [band(Math.min(...s.seedMargins), Math.max(...s.seedMargins), 'rgba(0, 0, 0, 0.08)')] : []),
      verticalLine('flip', 0, '#c62828', []), verticalLine('base', s.baseMargin, '#222222', [6, 4])
    ] as unknown as ChartConfiguration['plugins']
  }
  return await chartRenderer(widthPx, heightPx).renderToBuffer(config, 'image/png')
}

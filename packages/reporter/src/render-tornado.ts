/**
 * A tornado chart of one finding's sensitivity: one horizontal bar per
 * estimated input, from the finding's margin with the input at the low end
 * of its range to the margin at the high end, largest swing on top; a
 * vertical line at the base margin and a red one at 0, where the verdict
 * flips. Same input, same bytes.
 */
import type { Chart, ChartConfiguration, Plugin } from 'chart.js'
import type { FindingSensitivity } from '@xenos/experiment-interface'
import { chartRenderer } from './render-figure.js'

/** Inputs drawn, largest swing first. */
const MAX_BARS = 8

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

/** Renders one finding's tornado chart to PNG bytes. */
export async function renderTornado (s: FindingSensitivity, widthPx = 900): Promise<Buffer> {
  const shown = s.inputs.filter(i => i.marginAtLow !== null && i.marginAtHigh !== null).slice(0, MAX_BARS)
  const heightPx = 120 + 44 * Math.max(1, shown.length)
  const labels = shown.map(i => `${i.input.split('#')[1] ?? i.input} (${fmt(i.low)} .. ${fmt(i.high)})`)
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
          display: true, text: `${s.id}: margin of the verdict (>= 0 holds) as each estimate moves across its range`, font: { size: 16, weight: 'bold' }
        },
        legend: { display: true, position: 'top' },
        tooltip: { enabled: false }
      },
      scales: {
        x: { title: { display: true, text: 'margin (0: the verdict flips)', font: { size: 14 } }, grid: { color: '#e3e3e3' } },
        y: { stacked: true, ticks: { font: { size: 12 } } }
      }
    },
    plugins: [verticalLine('flip', 0, '#c62828', []), verticalLine('base', s.baseMargin, '#222222', [6, 4])] as unknown as ChartConfiguration['plugins']
  }
  return await chartRenderer(widthPx, heightPx).renderToBuffer(config, 'image/png')
}

function fmt (x: number): string {
  const a = Math.abs(x)
  if (a !== 0 && (a >= 1e5 || a < 1e-2)) return x.toExponential(2)
  return Number(x.toPrecision(3)).toString()
}

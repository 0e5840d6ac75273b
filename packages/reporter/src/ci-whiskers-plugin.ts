/**
 * A small chart.js plugin that draws error bars ("whiskers") on bar charts:
 * a vertical line from the low to the high end of each bar's confidence
 * interval, with a horizontal cap at each end. The intervals are given per
 * dataset and per bar, in the y scale's units, and captured by the plugin
 * instance (one instance per chart).
 */
import type { Chart, Plugin } from 'chart.js'

/** A confidence interval in the y axis' units. */
export interface Whisker {
  low: number
  high: number
}

export interface CiWhiskersInit {
  /** `whiskers[datasetIndex][barIndex]`; null where there is no interval (n = 1, no data). */
  whiskers: ReadonlyArray<ReadonlyArray<Whisker | null>>
  /** @default '#111111' */
  color?: string
  /** @default 1.5 */
  lineWidthPx?: number
  /** Cap width as a fraction of the bar width. @default 0.35 */
  capFraction?: number
}

export function ciWhiskersPlugin (init: CiWhiskersInit): Plugin<'bar'> {
  const color = init.color ?? '#111111'
  const lineWidthPx = init.lineWidthPx ?? 1.5
  const capFraction = init.capFraction ?? 0.35
  return {
    id: 'xenosCiWhiskers',
    afterDatasetsDraw (chart: Chart<'bar'>): void {
      const yScale = chart.scales.y
      if (yScale === undefined) return
      const { ctx, chartArea } = chart
      ctx.save()
      // Keep whiskers inside the plot: a CI reaching below zero is cut at the axis.
      ctx.beginPath()
      ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top)
      ctx.clip()
      ctx.strokeStyle = color
      ctx.lineWidth = lineWidthPx
      init.whiskers.forEach((perBar, datasetIndex) => {
        if (!chart.isDatasetVisible(datasetIndex)) return
        const meta = chart.getDatasetMeta(datasetIndex)
        perBar.forEach((whisker, barIndex) => {
          const bar = meta.data[barIndex]
          if (whisker === null || bar === undefined) return
          const { x, width } = bar.getProps(['x', 'width'], true) as { x: number, width: number }
          const half = Math.max(3, (width * capFraction) / 2)
          const yLow = yScale.getPixelForValue(whisker.low)
          const yHigh = yScale.getPixelForValue(whisker.high)
          ctx.beginPath()
          ctx.moveTo(x, yLow)
          ctx.lineTo(x, yHigh)
          ctx.moveTo(x - half, yLow)
          ctx.lineTo(x + half, yLow)
          ctx.moveTo(x - half, yHigh)
          ctx.lineTo(x + half, yHigh)
          ctx.stroke()
        })
      })
      ctx.restore()
    }
  }
}

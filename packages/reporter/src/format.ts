/**
 * Number and text formatting shared by the Markdown and HTML reports.
 */
import type { Summary } from './summarize.js'

/** A measured value with sensible precision: 1234.5, 12.35, 0.123. */
export function formatNumber (value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 1000) return value.toFixed(0)
  if (abs >= 100) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  if (abs === 0) return '0'
  return value.toPrecision(3)
}

/** `123.4 ± 5.6 s (n=3)`; without a CI when n = 1: `123.4 s (n=1)`. */
export function formatMeanCi (s: Summary): string {
  const unit = s.unit === '' ? '' : ` ${s.unit}`
  const ci = s.ciHalfWidth === null ? '' : ` ± ${formatNumber(s.ciHalfWidth)}`
  return `${formatNumber(s.mean)}${ci}${unit} (n=${s.n})`
}

/** A platform or cost value (an input, not a measurement): three significant digits, exponent form when very large or small. */
export function formatInput (x: number): string {
  const a = Math.abs(x)
  if (a !== 0 && (a >= 1e5 || a < 1e-2)) return x.toExponential(2)
  return Number(x.toPrecision(3)).toString()
}

/**
 * From margins to a finding's sensitivity: the margin at each end of each
 * estimate's range, where the verdict flips (linear interpolation between
 * the base value and the end whose margin has the other sign), whether the
 * verdict is fragile (some end flips it, whichever way it falls) and the
 * sentence that says so. Pure: the runs that give the margins are made
 * elsewhere (`run-sensitivity.ts`).
 */
import type { FindingSensitivity, InputSensitivity } from '@xenos/experiment-interface'

/** One estimate as it bears on one finding: its range and the finding's margins on the analysis' seeds. */
export interface InputMargins {
  /** `file#dotted.path` */
  input: string
  base: number
  low: number
  high: number
  why: string
  /** The finding's margin on the analysis' seeds with the input at its low and high end; null when a run it needs is missing. */
  atLow: number | null
  atHigh: number | null
}

export interface FindingMargins {
  id: string
  /** The margin the report gives (over all its repetitions), on the base inputs. */
  reference: number
  /** The margin on the analysis' own seeds, on the base inputs: the ends are compared against it. */
  onSeeds: number
  /** The margin on each of the report's seeds alone (its run-to-run spread). */
  seedMargins: readonly number[]
  seeds: number[]
  inputs: readonly InputMargins[]
}

/** Where the margin crosses 0 between (base, m0) and (end, m1), when the signs differ. */
function crossing (base: number, m0: number, end: number, m1: number | null): number | undefined {
  if (m1 === null || (m0 >= 0) === (m1 >= 0)) return undefined
  return base + (end - base) * m0 / (m0 - m1)
}

/** A number in a sentence or a chart label: three significant digits, exponent form for very large or small ones. */
export function formatNumber (x: number): string {
  const a = Math.abs(x)
  if (a !== 0 && (a >= 1e5 || a < 1e-2)) return x.toExponential(2)
  return Number(x.toPrecision(3)).toString()
}

const pathOf = (i: InputSensitivity): string => i.input.split('#')[1] ?? i.input

/** The clause of one input that flips a verdict that `holds` (or not) on the base inputs. */
function flipClause (holds: boolean, i: InputSensitivity): string {
  const [now, other] = holds ? ['holds', 'fails'] : ['fails', 'holds']
  const range = `(base ${formatNumber(i.base)}, plausible ${formatNumber(i.low)} to ${formatNumber(i.high)})`
  const name = pathOf(i)
  if (i.flipsBelow !== undefined && i.flipsAbove !== undefined) {
    return `${now} for ${name} between about ${formatNumber(i.flipsBelow)} and ${formatNumber(i.flipsAbove)} and ${other} outside ${range}`
  }
  if (i.flipsBelow !== undefined) return `${now} for ${name} above about ${formatNumber(i.flipsBelow)} and ${other} below ${range}`
  return `${now} for ${name} below about ${formatNumber(i.flipsAbove!)} and ${other} above ${range}`
}

/** What run-to-run variation does to the margin, in a sentence (nothing with fewer than two seeds). */
function spreadSentence (seedMargins: readonly number[]): string {
  if (seedMargins.length < 2) return ''
  const lo = Math.min(...seedMargins)
  const hi = Math.max(...seedMargins)
  const flips = (lo >= 0) !== (hi >= 0)
  return ` On the report's ${seedMargins.length} seeds alone its margin is ${formatNumber(lo)} to ${formatNumber(hi)}`
    + `${flips ? ': run-to-run variation alone flips it' : ''}.`
}

/**
 * The sentence of a finding's sensitivity: the inputs that flip it and
 * where, or how far its margin moves when none does; then how far the
 * margin moves from seed to seed, when the report has several.
 */
export function sensitivitySentence (id: string, baseMargin: number, inputs: readonly InputSensitivity[], seedMargins: readonly number[] = []): string {
  return inputsSentence(id, baseMargin, inputs) + spreadSentence(seedMargins)
}

function inputsSentence (id: string, baseMargin: number, inputs: readonly InputSensitivity[]): string {
  const holds = baseMargin >= 0
  const flips = inputs.filter(i => i.flipsBelow !== undefined || i.flipsAbove !== undefined)
  if (flips.length > 0) {
    return `${id} ${holds ? 'holds' : 'fails'} on the base inputs and is fragile: it ${flips.map(i => flipClause(holds, i)).join('; it ')}.`
  }
  const verdict = `${id} ${holds ? 'holds' : 'fails'} across the plausible range of every estimated input that reaches it`
  if (inputs.length === 0) return `${verdict} (none does).`
  const margins = inputs.flatMap(i => [i.marginAtLow, i.marginAtHigh]).filter((m): m is number => m !== null)
  const lo = Math.min(baseMargin, ...margins)
  const hi = Math.max(baseMargin, ...margins)
  const top = inputs.slice(0, 2).map(pathOf).join(' and ')
  return `${verdict} (${inputs.length}, one at a time): its margin stays between ${formatNumber(lo)} and ${formatNumber(hi)}`
    + ` (${formatNumber(baseMargin)} on the base inputs); ${top} move${inputs.length > 1 ? '' : 's'} it most.`
}

/** How far an input moves the margin, either way. */
function swing (row: InputSensitivity, base: number): number {
  return Math.max(Math.abs((row.marginAtLow ?? base) - base), Math.abs((row.marginAtHigh ?? base) - base))
}

/**
 * A finding's sensitivity from its margins. The margin at an end is the
 * report's margin moved by what that end changed on the analysis' seeds
 * (`reference + atEnd - onSeeds`); with the report's own seeds it is the
 * margin at that end. Rows are ordered by swing, largest first.
 */
export function analyseFinding (m: FindingMargins): FindingSensitivity {
  const shift = (at: number | null): number | null => at === null ? null : m.reference + (at - m.onSeeds)
  const rows = m.inputs.map((i): InputSensitivity => {
    const marginAtLow = shift(i.atLow)
    const marginAtHigh = shift(i.atHigh)
    const below = crossing(i.base, m.reference, i.low, marginAtLow)
    const above = crossing(i.base, m.reference, i.high, marginAtHigh)
    return {
      input: i.input, base: i.base, low: i.low, high: i.high, why: i.why, marginAtLow, marginAtHigh,
      ...(below !== undefined ? { flipsBelow: below } : {}), ...(above !== undefined ? { flipsAbove: above } : {})
    }
  })
  rows.sort((a, b) => swing(b, m.reference) - swing(a, m.reference) || a.input.localeCompare(b.input))
  const fragile = rows.some(r => r.flipsBelow !== undefined || r.flipsAbove !== undefined)
  return {
    id: m.id, baseMargin: m.reference, seedMargins: [...m.seedMargins], seeds: [...m.seeds], inputs: rows, fragile,
    sentence: sensitivitySentence(m.id, m.reference, rows, m.seedMargins)
  }
}

/**
 * The numbers of a data file that say nothing of where they come from: a
 * platform or cost file gives every number its source in a comment, on the
 * number's own line or on the line just above it (a comment above a block of
 * lines covers only the first of them). The `estimates` block is left out:
 * its entries carry their source in `why`.
 *
 * @example
 * ```ts
 * unsourcedNumbers('a: 1 # data sheet\nb: 2\n') // [{ path: 'b', line: 2 }]
 * ```
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'

export interface UnsourcedNumber {
  /** Dotted path of the number in the file. */
  path: string
  /** Its line (1-based). */
  line: number
}

export function unsourcedNumbers (text: string): UnsourcedNumber[] {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  const lines = text.split(/\r?\n/)
  const out: UnsourcedNumber[] = []
  const hasComment = (line: number): boolean => {
    const own = lines[line - 1] ?? ''
    const above = (lines[line - 2] ?? '').trim()
    return /\s#/.test(own) || above.startsWith('#')
  }
  const visit = (node: unknown, path: string[]): void => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue
        const key = isScalar(item.key) ? String(item.key.value) : '?'
        if (path.length === 0 && key === 'estimates') continue
        visit(item.value, [...path, key])
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => { visit(item, [...path, String(i)]) })
    } else if (isScalar(node) && typeof node.value === 'number') {
      const at = (node as Node).range?.[0]
      const line = at === undefined ? 0 : lineCounter.linePos(at).line
      if (!hasComment(line)) out.push({ path: path.join('.'), line })
    }
  }
  visit(doc.contents, [])
  return out
}

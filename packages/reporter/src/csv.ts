/**
 * CSV text per RFC 4180: fields with a comma, a double quote, a CR or LF
 * (or leading/trailing spaces) are quoted, quotes doubled; rows end in CRLF.
 */

export type CsvCell = string | number | null | undefined

/** One field as CSV text. null and undefined are empty; numbers use JavaScript's shortest round-trip form. */
export function csvField (value: CsvCell): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replace(/"/g, '""')}"`
  return text
}

/** A whole CSV document: a header row of `columns`, then one row per entry of `rows`. */
export function toCsv (columns: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  const lines = [columns.map(csvField).join(',')]
  for (const row of rows) lines.push(columns.map((_, i) => csvField(row[i])).join(','))
  return lines.join('\r\n') + '\r\n'
}

/**
 * XML-RPC encoder: JavaScript values to `methodCall` / `methodResponse` XML.
 */
import { XmlRpcEncodeError } from './fault.js'
import { INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, XmlRpcDouble } from './values.js'

// Characters XML 1.0 cannot carry at all, not even as character references,
// and lone surrogates (which are not characters).
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' }

/** Escapes text for an XML element body; throws for characters XML cannot carry. */
export function escapeXmlText (text: string, path = 'value'): string {
  const bad = INVALID_XML_CHARS.exec(text)
  if (bad !== null) {
    const codePoint = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')
    throw new XmlRpcEncodeError(path, 'a string of characters XML 1.0 allows', `U+${codePoint} at index ${bad.index}`)
  }
  return text.replace(/[&<>\r]/g, c => ESCAPES[c] ?? c)
}

/**
 * Decimal form of a finite double without exponent (the specification has no
 * exponent notation), exact enough to round-trip: `1e21` -> `1000000000000000000000`,
 * `1.5e-7` -> `0.00000015`.
 */
export function formatDouble (x: number): string {
  if (!Number.isFinite(x)) throw new XmlRpcEncodeError('value', 'a finite number (XML-RPC has no NaN or Infinity)', String(x))
  const plain = String(x)
  if (!/e/i.test(plain)) return plain
  const sign = x < 0 ? '-' : ''
  const [mantissa = '', expText = '0'] = Math.abs(x).toExponential().split('e')
  const exp = Number(expText)
  const digits = mantissa.replace('.', '')
  if (exp >= 0) {
    const intLen = exp + 1
    return sign + (digits.length <= intLen ? digits + '0'.repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`)
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
}

function pad (n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** `YYYYMMDDTHH:MM:SS` in UTC, the form the specification shows and Python writes. */
export function formatDateTime (date: Date, path = 'value'): string {
  const t = date.getTime()
  if (Number.isNaN(t)) throw new XmlRpcEncodeError(path, 'a valid Date', 'Invalid Date')
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) throw new XmlRpcEncodeError(path, 'a Date in years 0000-9999', String(year))
  return `${pad(year, 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`
    + `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
}

function describeType (value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return typeof value
}

function encodeInto (value: unknown, out: string[], path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push('<value><string>', escapeXmlText(value, path), '</string></value>')
      return
    case 'boolean':
      out.push(value ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>')
      return
    case 'number':
      if (Number.isInteger(value)) {
        if (value >= INT32_MIN && value <= INT32_MAX) { out.push('<value><int>', String(value === 0 ? 0 : value), '</int></value>'); return }
        if (Number.isSafeInteger(value)) { out.push('<value><i8>', String(value), '</i8></value>'); return }
      }
      if (!Number.isFinite(value)) throw new XmlRpcEncodeError(path, 'a finite number (XML-RPC has no NaN or Infinity)', String(value))
      out.push('<value><double>', formatDouble(value), '</double></value>')
      return
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) throw new XmlRpcEncodeError(path, 'a bigint in the 64-bit range of <i8>', value.toString())
      out.push('<value><i8>', value.toString(), '</i8></value>')
      return
    case 'undefined':
      out.push('<value><nil/></value>')
      return
    case 'object':
      break
    default:
      throw new XmlRpcEncodeError(path, 'a value XML-RPC can carry', describeType(value))
  }
  if (value === null) { out.push('<value><nil/></value>'); return }
  if (value instanceof XmlRpcDouble) {
    out.push('<value><double>', formatDouble(value.value), '</double></value>')
    return
  }
  if (value instanceof Date) { out.push('<value><dateTime.iso8601>', formatDateTime(value, path), '</dateTime.iso8601></value>'); return }
  if (value instanceof Uint8Array) {
    out.push('<value><base64>', Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'), '</base64></value>')
    return
  }
  if (ancestors.has(value)) throw new XmlRpcEncodeError(path, 'a tree of values', 'a cycle')
  if (value instanceof Map || value instanceof Set || value instanceof Promise || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new XmlRpcEncodeError(path, 'a value XML-RPC can carry', describeType(value))
  }
  ancestors.add(value)
  if (Array.isArray(value)) {
    out.push('<value><array><data>')
    for (let i = 0; i < value.length; i++) encodeInto(value[i], out, `${path}[${i}]`, ancestors)
    out.push('</data></array></value>')
  } else {
    out.push('<value><struct>')
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue
      out.push('<member><name>', escapeXmlText(key, `${path} member name`), '</name>')
      encodeInto(member, out, `${path}.${key}`, ancestors)
      out.push('</member>')
    }
    out.push('</struct></value>')
  }
  ancestors.delete(value)
}

/** `<value>...</value>` for one value. Throws `XmlRpcEncodeError` naming the bad path. */
export function encodeValue (value: unknown, path = 'value'): string {
  const out: string[] = []
  encodeInto(value, out, path, new Set())
  return out.join('')
}

const METHOD_NAME_RE = /^[A-Za-z0-9_.:/]{1,256}$/

/** True when `name` is a method name the specification allows. */
export function isValidMethodName (name: string): boolean {
  return METHOD_NAME_RE.test(name)
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** A complete `methodCall` document. */
export function encodeMethodCall (methodName: string, params: readonly unknown[]): string {
  if (!isValidMethodName(methodName)) throw new XmlRpcEncodeError('methodName', 'letters, digits, "_", ".", ":" or "/" (1-256)', JSON.stringify(methodName))
  const out: string[] = [XML_DECL, '<methodCall><methodName>', methodName, '</methodName><params>']
  const ancestors = new Set<object>()
  for (let i = 0; i < params.length; i++) {
    out.push('<param>')
    encodeInto(params[i], out, `params[${i}]`, ancestors)
    out.push('</param>')
  }
  out.push('</params></methodCall>\n')
  return out.join('')
}

/** A `methodResponse` carrying one value. */
export function encodeMethodResponse (value: unknown): string {
  const out: string[] = [XML_DECL, '<methodResponse><params><param>']
  encodeInto(value, out, 'result', new Set())
  out.push('</param></params></methodResponse>\n')
  return out.join('')
}

/** A `methodResponse` carrying a fault. Non-XML characters in the message are replaced by U+FFFD. */
export function encodeFault (faultCode: number, faultString: string): string {
  const safe = faultString.replace(new RegExp(INVALID_XML_CHARS.source, 'g'), '\uFFFD')
  const code = Number.isInteger(faultCode) && faultCode >= INT32_MIN && faultCode <= INT32_MAX ? faultCode : -32603
  return `${XML_DECL}<methodResponse><fault><value><struct>`
    + `<member><name>faultCode</name><value><int>${code}</int></value></member>`
    + `<member><name>faultString</name><value><string>${escapeXmlText(safe)}</string></value></member>`
    + '</struct></value></fault></methodResponse>\n'
}

/**
 * XML-RPC decoder: `methodCall` / `methodResponse` XML to JavaScript values.
 * Strict: anything the specification does not allow is refused with an
 * `XmlRpcParseError` naming the line, what was expected and what was found.
 */
import { FaultCode, XmlRpcFault, XmlRpcParseError } from './fault.js'
import { isValidMethodName } from './encode.js'
import { INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, type XmlRpcStruct, type XmlRpcValue } from './values.js'
import { parseXml, type XmlElement, type XmlLimits } from './xml-tree.js'

export interface MethodCall {
  methodName: string
  params: XmlRpcValue[]
}

/** A decoded response: a value, or the fault the server sent. */
export type MethodResponse = { kind: 'value', value: XmlRpcValue } | { kind: 'fault', fault: XmlRpcFault }

function invalid (el: XmlElement, message: string): never {
  throw new XmlRpcParseError(`line ${el.line}, column ${el.column}: ${message}`, FaultCode.INVALID_REQUEST)
}

function show (text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)
}

/** Throws unless `el` holds only whitespace text (structural elements). */
function noText (el: XmlElement): void {
  if (el.text.trim() !== '') invalid(el, `expected only elements inside <${el.name}>, found text ${show(el.text.trim())}`)
}

function leaf (el: XmlElement): string {
  if (el.children.length > 0) invalid(el, `expected text inside <${el.name}>, found element <${el.children[0]?.name ?? ''}>`)
  return el.text
}

function only (el: XmlElement, name: string): XmlElement {
  noText(el)
  const child = el.children[0]
  if (el.children.length !== 1 || child === undefined || child.name !== name) {
    const found = el.children.length === 0 ? 'none' : el.children.map(c => `<${c.name}>`).join(', ')
    invalid(el, `expected exactly one <${name}> inside <${el.name}>, found ${found}`)
  }
  return child
}

const INT_RE = /^[+-]?[0-9]+$/
const DOUBLE_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/
const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/

function parseDate (el: XmlElement, text: string): Date {
  const m = DATE_RE.exec(text)
  if (m === null) invalid(el, `expected a date such as 19980717T14:08:55, found ${show(text)}`)
  const [, y, mo, d, h, mi, s, frac, zone] = m
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ''}${zone === undefined ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`
  const date = new Date(iso)
  const month = Number(mo); const day = Number(d)
  if (Number.isNaN(date.getTime()) || month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    invalid(el, `expected a valid calendar date and time, found ${show(text)}`)
  }
  return date
}

/** Decodes one `<value>` element. */
export function decodeValueElement (el: XmlElement): XmlRpcValue {
  if (el.name !== 'value') invalid(el, `expected <value>, found <${el.name}>`)
  if (el.children.length === 0) return el.text // untyped value: a string
  const typed = only(el, el.children[0]?.name ?? '')
  const name = typed.name.includes(':') ? typed.name.slice(typed.name.indexOf(':') + 1) : typed.name
  switch (name) {
    case 'string':
      return leaf(typed)
    case 'int':
    case 'i4':
    case 'i8': {
      const text = leaf(typed).trim()
      if (!INT_RE.test(text)) invalid(typed, `expected an integer in <${typed.name}>, found ${show(text)}`)
      const big = BigInt(text)
      if (name === 'i8') {
        if (big < INT64_MIN || big > INT64_MAX) invalid(typed, `expected a 64-bit integer in <i8>, found ${show(text)}`)
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
      }
      if (big < BigInt(INT32_MIN) || big > BigInt(INT32_MAX)) invalid(typed, `expected a 32-bit integer in <${typed.name}>, found ${show(text)}`)
      return Number(big)
    }
    case 'boolean': {
      const text = leaf(typed).trim()
      if (text !== '0' && text !== '1') invalid(typed, `expected 0 or 1 in <boolean>, found ${show(text)}`)
      return text === '1'
    }
    case 'double': {
      const text = leaf(typed).trim()
      if (!DOUBLE_RE.test(text)) invalid(typed, `expected a decimal number in <double>, found ${show(text)}`)
      const x = Number(text)
      if (!Number.isFinite(x)) invalid(typed, `expected a finite double, found ${show(text)}`)
      return x
    }
    case 'dateTime.iso8601':
      return parseDate(typed, leaf(typed).trim())
    case 'base64': {
      const text = leaf(typed).replace(/\s+/g, '')
      if (!BASE64_RE.test(text) || text.length % 4 === 1) invalid(typed, `expected base64 text in <base64>, found ${show(text)}`)
      const buf = Buffer.from(text, 'base64')
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    }
    case 'nil':
      if (typed.children.length > 0 || typed.text.trim() !== '') invalid(typed, 'expected an empty <nil/>, found content')
      return null
    case 'array': {
      const data = only(typed, 'data')
      noText(data)
      return data.children.map(decodeValueElement)
    }
    case 'struct': {
      noText(typed)
      const struct: XmlRpcStruct = {}
      for (const member of typed.children) {
        if (member.name !== 'member') invalid(member, `expected <member> inside <struct>, found <${member.name}>`)
        noText(member)
        const [nameEl, valueEl, extra] = member.children
        if (nameEl?.name !== 'name' || valueEl?.name !== 'value' || extra !== undefined) {
          invalid(member, `expected <name> then <value> inside <member>, found ${member.children.map(c => `<${c.name}>`).join(', ') || 'nothing'}`)
        }
        const key = leaf(nameEl)
        if (Object.prototype.hasOwnProperty.call(struct, key)) invalid(member, `expected distinct member names, found ${show(key)} twice`)
        // defineProperty: a member named "__proto__" stays a plain own property.
        Object.defineProperty(struct, key, { value: decodeValueElement(valueEl), enumerable: true, writable: true, configurable: true })
      }
      return struct
    }
    default:
      return invalid(typed, `expected a type (int, i4, i8, boolean, string, double, dateTime.iso8601, base64, struct, array, nil), found <${typed.name}>`)
  }
}

function decodeParams (el: XmlElement | undefined): XmlRpcValue[] {
  if (el === undefined) return []
  if (el.name !== 'params') invalid(el, `expected <params>, found <${el.name}>`)
  noText(el)
  return el.children.map((p) => {
    if (p.name !== 'param') invalid(p, `expected <param> inside <params>, found <${p.name}>`)
    return decodeValueElement(only(p, 'value'))
  })
}

/** Decodes a `methodCall` document (bytes or text). */
export function decodeMethodCall (input: Uint8Array | string, limits?: XmlLimits): MethodCall {
  const root = parseXml(input, limits)
  if (root.name !== 'methodCall') invalid(root, `expected <methodCall> as the root element, found <${root.name}>`)
  noText(root)
  const [nameEl, paramsEl, extra] = root.children
  if (nameEl?.name !== 'methodName') {
    invalid(root, `expected <methodName> first inside <methodCall>, found ${nameEl === undefined ? 'nothing' : `<${nameEl.name}>`}`)
  }
  if (extra !== undefined) invalid(extra, `expected nothing after <params>, found <${extra.name}>`)
  const methodName = leaf(nameEl).trim()
  if (!isValidMethodName(methodName)) invalid(nameEl, `expected a method name of letters, digits, "_", ".", ":" or "/", found ${show(methodName)}`)
  return { methodName, params: decodeParams(paramsEl) }
}

/** Decodes a `methodResponse` document: its value, or its fault. */
export function decodeMethodResponse (input: Uint8Array | string, limits?: XmlLimits): MethodResponse {
  const root = parseXml(input, limits)
  if (root.name !== 'methodResponse') invalid(root, `expected <methodResponse> as the root element, found <${root.name}>`)
  const body = only(root, root.children[0]?.name === 'fault' ? 'fault' : 'params')
  if (body.name === 'fault') {
    const value = decodeValueElement(only(body, 'value'))
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) {
      return invalid(body, 'expected a struct inside <fault>, found another type')
    }
    const s = value as XmlRpcStruct
    const code = s.faultCode
    if (typeof code !== 'number' || !Number.isInteger(code) || code < INT32_MIN || code > INT32_MAX) {
      invalid(body, 'expected an int faultCode in the fault struct')
    }
    const text = s.faultString
    return { kind: 'fault', fault: new XmlRpcFault(code, typeof text === 'string' ? text : String(text)) }
  }
  const params = decodeParams(body)
  if (params.length !== 1) invalid(body, `expected exactly one <param> in a response, found ${params.length}`)
  return { kind: 'value', value: params[0] }
}

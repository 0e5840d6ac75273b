/**
 * A strict, bounded XML reader for XML-RPC messages, built on `saxes` (a
 * well-formedness-checking parser). It refuses any DOCTYPE (so no entity
 * expansion, internal or external, can happen), knows only the five
 * predefined entities and character references, and enforces a byte limit
 * and a nesting limit before any value is built.
 */
import { SaxesParser } from 'saxes'
import { FaultCode, XmlRpcParseError } from './fault.js'

/** One element: its name, element children and direct text (CDATA included). */
export interface XmlElement {
  name: string
  children: XmlElement[]
  text: string
  line: number
  column: number
}

export interface XmlLimits {
  /** Largest document accepted, in bytes. @default 1 MiB */
  maxBytes?: number
  /** Deepest element nesting accepted. @default 256 */
  maxDepth?: number
}

export const DEFAULT_MAX_BYTES = 1024 * 1024
export const DEFAULT_MAX_DEPTH = 256

const utf8 = new TextDecoder('utf-8', { fatal: true })
const latin1 = new TextDecoder('latin1')

/** Decodes the bytes in the encoding the XML declaration names (UTF-8 when none). */
export function decodeXmlBytes (bytes: Uint8Array): string {
  // The declaration, when present, is at the very start and is ASCII.
  const head = latin1.decode(bytes.subarray(0, 200))
  const decl = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?<\?xml[^?]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)
  const encoding = (decl?.[1] ?? 'utf-8').toLowerCase()
  if (encoding === 'utf-8' || encoding === 'utf8' || encoding === 'us-ascii' || encoding === 'ascii') {
    try {
      return utf8.decode(bytes)
    } catch (err) {
      throw new XmlRpcParseError('expected UTF-8 text, found bytes that are not valid UTF-8', FaultCode.PARSE_ERROR, { cause: err })
    }
  }
  if (encoding === 'iso-8859-1' || encoding === 'latin1' || encoding === 'latin-1') return latin1.decode(bytes)
  throw new XmlRpcParseError(`expected encoding UTF-8, US-ASCII or ISO-8859-1, found "${encoding}"`, FaultCode.UNSUPPORTED_ENCODING)
}

/** Parses a whole document into an element tree; throws `XmlRpcParseError`. */
export function parseXml (input: Uint8Array | string, limits: XmlLimits = {}): XmlElement {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength
  if (size > maxBytes) throw new XmlRpcParseError(`expected a document of at most ${maxBytes} bytes, found ${size} bytes`, FaultCode.INVALID_REQUEST)
  let text = typeof input === 'string' ? input : decodeXmlBytes(input)
  if (text.charCodeAt(0) === 0xFEFF) text = text.slice(1)

  const parser = new SaxesParser({ xmlns: false, position: true })
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  const fail = (message: string, code: number = FaultCode.PARSE_ERROR): never => {
    throw new XmlRpcParseError(`line ${parser.line}, column ${parser.column}: ${message}`, code)
  }
  parser.on('doctype', () => fail('expected no DOCTYPE (DTDs and entity declarations are refused), found one', FaultCode.INVALID_REQUEST))
  parser.on('opentag', (tag) => {
    if (stack.length >= maxDepth) fail(`expected elements nested at most ${maxDepth} deep, found deeper`, FaultCode.INVALID_REQUEST)
    const el: XmlElement = { name: tag.name, children: [], text: '', line: parser.line, column: parser.column }
    const parent = stack[stack.length - 1]
    if (parent !== undefined) parent.children.push(el)
    else root = el
    stack.push(el)
  })
  parser.on('closetag', () => { stack.pop() })
  const onText = (t: string): void => {
    const top = stack[stack.length - 1]
    if (top !== undefined) top.text += t
  }
  parser.on('text', onText)
  parser.on('cdata', onText)
  try {
    parser.write(text).close()
  } catch (err) {
    if (err instanceof XmlRpcParseError) throw err
    throw new XmlRpcParseError(`expected well-formed XML, found: ${(err as Error).message}`, FaultCode.PARSE_ERROR, { cause: err })
  }
  if (root === undefined) throw new XmlRpcParseError('expected a root element, found none', FaultCode.PARSE_ERROR)
  return root
}

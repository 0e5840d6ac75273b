import { describe, expect, it } from 'vitest'
import { decodeMethodCall, decodeMethodResponse } from './decode.js'
import { encodeFault, encodeMethodCall, encodeMethodResponse, encodeValue, formatDouble } from './encode.js'
import { FaultCode, XmlRpcEncodeError, XmlRpcFault, XmlRpcParseError } from './fault.js'
import { xmlRpcDouble, type XmlRpcValue } from './values.js'

function roundTrip (value: XmlRpcValue): XmlRpcValue {
  const r = decodeMethodResponse(encodeMethodResponse(value))
  if (r.kind !== 'value') throw new Error('expected a value')
  return r.value
}

function parseError (xml: string, maxBytes?: number): XmlRpcParseError {
  try {
    decodeMethodCall(xml, maxBytes === undefined ? undefined : { maxBytes })
  } catch (err) {
    expect(err).toBeInstanceOf(XmlRpcParseError)
    return err as XmlRpcParseError
  }
  throw new Error('expected a parse error')
}

const call = (value: string): string => `<?xml version="1.0"?><methodCall><methodName>m</methodName><params><param>${value}</param></params></methodCall>`

describe('XML-RPC codec: every standard type round-trips', () => {
  it.each<[string, XmlRpcValue]>([
    ['int', 42], ['negative int', -2147483648], ['i8 (beyond 32 bits)', 8 * 1024 ** 3], ['bigint i8', 2n ** 62n],
    ['boolean true', true], ['boolean false', false], ['string', 'a < b & c > d'], ['empty string', ''],
    ['unicode', 'h\u00e9llo \u{1F600} \u4e2d'], ['carriage return kept', 'a\r\nb\rc'], ['double', 3.25], ['tiny double', 1.5e-7],
    ['huge double', 1e21], ['date', new Date(Date.UTC(1998, 6, 17, 14, 8, 55))], ['base64', new Uint8Array([0, 1, 2, 253, 254, 255])],
    ['empty base64', new Uint8Array(0)], ['nil', null], ['array', [1, 'two', [3, [false]]]], ['empty array', []],
    ['struct', { 'a': 1, 'b': { c: ['x'] }, 'odd key <&>': 'v' }], ['empty struct', {}]
  ])('%s', (_label, value) => {
    expect(roundTrip(value)).toEqual(value)
  })

  it('sends integers by range: int, then i8; non-integers and xmlRpcDouble as double', () => {
    expect(encodeValue(7)).toBe('<value><int>7</int></value>')
    expect(encodeValue(2 ** 31)).toBe('<value><i8>2147483648</i8></value>')
    expect(encodeValue(0.5)).toBe('<value><double>0.5</double></value>')
    expect(encodeValue(xmlRpcDouble(2))).toBe('<value><double>2</double></value>')
    expect(formatDouble(-1.25e-10)).toBe('-0.000000000125')
    expect(formatDouble(1.5e22)).toBe('15000000000000000000000')
  })

  it('leaves undefined struct members out and refuses what XML-RPC cannot carry', () => {
    expect(roundTrip({ a: 1, b: undefined })).toEqual({ a: 1 })
    const cyclic: XmlRpcValue[] = []
    cyclic.push(cyclic)
    const unencodable = [
      Number.NaN, Infinity, 2n ** 64n, cyclic, new Date(Number.NaN), 'bell\u0007', new Map() as unknown as XmlRpcValue, (() => 1) as unknown as XmlRpcValue
    ]
    for (const bad of unencodable) {
      expect(() => encodeValue(bad)).toThrow(XmlRpcEncodeError)
    }
  })

  it('reads the specification example and untyped values as strings', () => {
    const c = decodeMethodCall(`<?xml version="1.0"?>
<methodCall>
   <methodName>examples.getStateName</methodName>
   <params>
      <param>
         <value><i4>41</i4></value>
         </param>
      <param><value>  plain text </value></param>
      <param><value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value></param>
      <param><value><base64>eW91IGNhbid0IHJlYWQgdGhpcyE=</base64></value></param>
      <param><value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value></param>
      <param><value><double>-12.214</double></value></param>
      <param><value><string><![CDATA[<raw>]]></string></value></param>
      </params>
   </methodCall>`)
    expect(c.methodName).toBe('examples.getStateName')
    expect(c.params)
      .toEqual([41, '  plain text ', new Date(Date.UTC(1998, 6, 17, 14, 8, 55)), new Uint8Array(Buffer.from('you can\'t read this!')), null, -12.214, '<raw>'])
  })

  it('accepts a call without <params> and a dashed date with a zone', () => {
    expect(decodeMethodCall('<methodCall><methodName>a.b</methodName></methodCall>')).toEqual({ methodName: 'a.b', params: [] })
    expect(decodeMethodCall(call('<value><dateTime.iso8601>2024-01-02T03:04:05+02:00</dateTime.iso8601></value>')).params[0])
      .toEqual(new Date(Date.UTC(2024, 0, 2, 1, 4, 5)))
  })

  it('reads ISO-8859-1 documents as declared, and refuses other encodings', () => {
    const latin = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>'
      + '<methodCall><methodName>m</methodName><params><param><value>caf\u00e9</value></param></params></methodCall>', 'latin1')
    expect(decodeMethodCall(latin).params).toEqual(['caf\u00e9'])
    const err = (() => { try { decodeMethodCall(Buffer.from('<?xml version="1.0" encoding="EBCDIC"?><x/>')) } catch (e) { return e as XmlRpcParseError } })()
    expect(err?.faultCode).toBe(FaultCode.UNSUPPORTED_ENCODING)
    expect(parseError(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]) as unknown as string).faultCode).toBe(FaultCode.PARSE_ERROR)
  })

  it('decodes faults into XmlRpcFault', () => {
    const r = decodeMethodResponse(encodeFault(404, 'no such service "x" & co'))
    expect(r.kind).toBe('fault')
    if (r.kind === 'fault') {
      expect(r.fault).toBeInstanceOf(XmlRpcFault)
      expect(r.fault.faultCode).toBe(404)
      expect(r.fault.faultString).toBe('no such service "x" & co')
    }
  })
})

describe('XML-RPC decoder: strict and safe', () => {
  it.each([
    ['not XML', 'hello', FaultCode.PARSE_ERROR],
    ['unclosed tag', '<methodCall><methodName>m</methodName>', FaultCode.PARSE_ERROR],
    ['undefined entity', call('<value>&nope;</value>'), FaultCode.PARSE_ERROR],
    ['wrong root', '<methodResponse/>', FaultCode.INVALID_REQUEST],
    ['missing methodName', '<methodCall><params/></methodCall>', FaultCode.INVALID_REQUEST],
    ['bad method name', '<methodCall><methodName>a b</methodName></methodCall>', FaultCode.INVALID_REQUEST],
    ['int overflow', call('<value><int>2147483648</int></value>'), FaultCode.INVALID_REQUEST],
    ['int not a number', call('<value><int>12a</int></value>'), FaultCode.INVALID_REQUEST],
    ['boolean not 0/1', call('<value><boolean>true</boolean></value>'), FaultCode.INVALID_REQUEST],
    ['double NaN', call('<value><double>NaN</double></value>'), FaultCode.INVALID_REQUEST],
    ['bad date', call('<value><dateTime.iso8601>19981317T14:08:55</dateTime.iso8601></value>'), FaultCode.INVALID_REQUEST],
    ['bad base64', call('<value><base64>@@@</base64></value>'), FaultCode.INVALID_REQUEST],
    ['unknown type', call('<value><float>1</float></value>'), FaultCode.INVALID_REQUEST],
    ['two types in a value', call('<value><int>1</int><int>2</int></value>'), FaultCode.INVALID_REQUEST],
    ['text beside a type', call('<value>x<int>1</int></value>'), FaultCode.INVALID_REQUEST],
    ['member without value', call('<value><struct><member><name>a</name></member></struct></value>'), FaultCode.INVALID_REQUEST],
    [
      'duplicate member',
      call('<value><struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct></value>'),
      FaultCode.INVALID_REQUEST
    ],
    ['array without data', call('<value><array></array></value>'), FaultCode.INVALID_REQUEST],
    ['nil with content', call('<value><nil>x</nil></value>'), FaultCode.INVALID_REQUEST]
  ])('refuses %s', (_label, xml, code) => {
    const err = parseError(xml)
    expect(err.faultCode).toBe(code)
    expect(err.message).toMatch(/expected/)
  })

  it('refuses any DOCTYPE, so entity expansion (billion laughs, XXE) never happens', () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
      + '<methodCall><methodName>m</methodName><params><param><value>&lol2;</value></param></params></methodCall>'
    expect(parseError(laughs).message).toMatch(/DOCTYPE/)
    const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
      + '<methodCall><methodName>m</methodName><params><param><value>&xxe;</value></param></params></methodCall>'
    expect(parseError(xxe).message).toMatch(/DOCTYPE/)
  })

  it('enforces the size and depth limits', () => {
    expect(parseError(call(`<value>${'x'.repeat(2000)}</value>`), 1000).message).toMatch(/at most 1000 bytes/)
    const deep = '<value><array><data>'.repeat(200) + '</data></array></value>'.repeat(200)
    expect(parseError(call(deep)).message).toMatch(/nested at most/)
  })

  it('keeps a member named __proto__ as a plain member (no prototype pollution)', () => {
    const proto = '<value><struct><member><name>__proto__</name>'
      + '<value><struct><member><name>polluted</name><value>yes</value></member></struct></value></member></struct></value>'
    const v = decodeMethodCall(call(proto)).params[0] as Record<string, unknown>
    expect(Object.keys(v)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((v as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('encodes method calls the decoder reads back', () => {
    const xml = encodeMethodCall('xenos.getService', ['svc-1', { verbose: true }])
    expect(decodeMethodCall(xml)).toEqual({ methodName: 'xenos.getService', params: ['svc-1', { verbose: true }] })
    expect(() => encodeMethodCall('bad name', [])).toThrow(XmlRpcEncodeError)
  })
})

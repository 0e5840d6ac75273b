/**
 * XML-RPC for Xenos: codec, strict parser, method registry with
 * introspection, HTTP server and pluggable-transport client.
 */
export { FaultCode, XmlRpcFault, XmlRpcParseError, XmlRpcEncodeError, XmlRpcTransportError, type FaultCodeName } from './fault.js'
export { XmlRpcDouble, xmlRpcDouble, typeOfValue, XML_RPC_TYPES, type XmlRpcValue, type XmlRpcStruct, type XmlRpcType } from './values.js'
export { encodeValue, encodeMethodCall, encodeMethodResponse, encodeFault, isValidMethodName } from './encode.js'
export { decodeMethodCall, decodeMethodResponse, decodeValueElement, type MethodCall, type MethodResponse } from './decode.js'
export { parseXml, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, type XmlLimits, type XmlElement } from './xml-tree.js'
export type { CallContext } from './context.js'
export { valueFits, type ParamSpec, type ParamsOf, type SignatureType, type TsTypeOf } from './signature.js'
export { MethodRegistry, type MethodDefinition, type MethodRegistryInit, type MethodAccess } from './registry.js'
export { parseAuthorization, formatAuthorization, type Credentials } from './credentials.js'
export { createXmlRpcHttpServer, type XmlRpcHttpServer, type XmlRpcHttpServerInit } from './http-server.js'
export { XmlRpcClient, httpTransport, type XmlRpcTransport, type HttpTransport, type HttpTransportInit, type XmlRpcClientInit } from './client.js'
export { httpsAgent, CertificatePinError, type ClientTls } from './tls-client.js'

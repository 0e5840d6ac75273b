#!/usr/bin/env node
// The machine side of the testbed's toolstack link: runs `xl` (or `xentop`) in an
// emulated host's Domain 0 through QEMU's port forward, and gives back its standard
// output, standard error and exit code as they were. Only node:* modules.
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const FORWARDER_EXIT = 125 // the forwarder itself failed (never an exit code of xl's own)
const usage = `usage: xl-forward.mjs [--host NAME | --port PORT] PROGRAM [ARGS...]
       xl ARGS...        (through a host's bin/xl or testbed/bin/xl wrapper)

Runs PROGRAM (xl, xentop, testbed-console NAME, testbed-sh SCRIPT) in the Domain 0
of an emulated testbed host and returns its stdout, stderr and exit code.
The host is chosen by --port, else --host, else $XENOS_XL_PORT, else
$XENOS_TESTBED_HOST (a name given to boot-host); its port is read from
STATE/hosts/NAME/port (STATE: $XENOS_TESTBED_DIR or the repository's .testbed).
The working directory is sent along (the shared folder has the same path in
Domain 0). Standard input is not forwarded. Exit code ${FORWARDER_EXIT}: the forwarder
could not reach Domain 0 (the message on stderr says why).
Environment: XENOS_XL_TIMEOUT_S  give up after this many seconds (default: never).
             XENOS_XL_LOG       append one line per call to this file: start time (ISO),
                                host, duration in ms, exit code, the arguments (JSON).`

let call // the parsed call, once known (for XENOS_XL_LOG)
const startedAtMs = Date.now()
const here = dirname(fileURLToPath(import.meta.url))
const stateDir = process.env.XENOS_TESTBED_DIR ?? resolve(here, '../../../.testbed')

function fail (message) {
  if (call !== undefined) logCall(FORWARDER_EXIT)
  process.stderr.write(`xl-forward: ${message}\n`)
  process.exit(FORWARDER_EXIT)
}

function parseArgs (argv) {
  let port = process.env.XENOS_XL_PORT
  let host = process.env.XENOS_TESTBED_HOST
  const rest = [...argv]
  while (rest[0] === '--port' || rest[0] === '--host' || rest[0] === '--help' || rest[0] === '-h') {
    const flag = rest.shift()
    if (flag === '--help' || flag === '-h') { console.log(usage); process.exit(0) }
    const value = rest.shift()
    if (value === undefined) fail(`${flag} needs a value`)
    if (flag === '--port') port = value
    else { host = value; port = undefined }
  }
  if (port === undefined) {
    if (host === undefined) fail('no host chosen: set XENOS_TESTBED_HOST=NAME (or XENOS_XL_PORT), or pass --host NAME')
    const portFile = join(stateDir, 'hosts', host, 'port')
    if (!existsSync(portFile)) fail(`testbed host '${host}' is not running (no ${portFile}); start it with boot-host ${host}`)
    port = readFileSync(portFile, 'utf8').trim()
  }
  if (!/^\d{1,5}$/.test(port)) fail(`expected a TCP port number, found '${port}'`)
  const program = rest.shift()
  if (program === undefined) fail('no program given (expected xl, xentop, testbed-console or testbed-sh)')
  return { port: Number(port), host: host ?? `port-${port}`, program, args: rest }
}

function encodeRequest (program, args) {
  const fields = [process.cwd(), String(args.length + 1), program, ...args]
  for (const f of fields) if (f.includes('\0')) fail(`an argument contains a NUL byte: ${JSON.stringify(f)}`)
  return 'XLREQ2\n' + fields.map(f => f + '\0').join('')
}

// Reply: XLRESP2\n CODE\n OUTLEN\n ERRLEN\n, then OUT and ERR
function decodeReply (buf) {
  let pos = 0
  const line = () => {
    const nl = buf.indexOf(10, pos)
    if (nl < 0) return undefined
    const text = buf.subarray(pos, nl).toString('utf8'); pos = nl + 1; return text
  }
  if (line() !== 'XLRESP2') return undefined
  const [code, outLen, errLen] = [line(), line(), line()].map(Number)
  if (![code, outLen, errLen].every(Number.isInteger)) return undefined
  if (buf.length !== pos + outLen + errLen) return undefined
  return { code, out: buf.subarray(pos, pos + outLen), err: buf.subarray(pos + outLen) }
}

call = parseArgs(process.argv.slice(2))
const { port, host, program, args } = call
const chunks = []
function logCall (code) {
  const file = process.env.XENOS_XL_LOG
  if (file === undefined || file === '') return
  appendFileSync(file, `${new Date(startedAtMs).toISOString()} ${host} ${Date.now() - startedAtMs}ms exit=${code} ${JSON.stringify([program, ...args])}\n`)
}
const socket = connect({ host: '127.0.0.1', port })
const timeoutS = Number(process.env.XENOS_XL_TIMEOUT_S ?? '0')
if (timeoutS > 0) {
  setTimeout(() => {
    socket.destroy()
    fail(`no reply from ${host} within ${timeoutS} s (XENOS_XL_TIMEOUT_S) to: ${program} ${args.join(' ')}`)
  }, timeoutS * 1000).unref()
}
socket.on('connect', () => socket.write(encodeRequest(program, args)))
socket.on('data', d => chunks.push(d))
socket.on('error', e => fail(`cannot reach the xl server of testbed host ${host} at 127.0.0.1:${port} (${e.code ?? e.message}): is the host running?`))
socket.on('close', () => {
  const reply = decodeReply(Buffer.concat(chunks))
  if (reply === undefined) {
    fail(`the xl server of testbed host ${host} (127.0.0.1:${port}) closed the connection without a complete reply `
      + `(${Buffer.concat(chunks).length} bytes): Domain 0 is not up yet, or it died; see its console log`)
  }
  logCall(reply.code)
  // no process.exit(): it could cut a large output short on a pipe; end when flushed
  process.exitCode = reply.code
  process.stdout.write(reply.out)
  process.stderr.write(reply.err)
})

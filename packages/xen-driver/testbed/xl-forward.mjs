#!/usr/bin/env node
// The machine side of the testbed's toolstack link: runs `xl` (or `xentop`) in an
// emulated host's Domain 0 through QEMU's port forward, and gives back its standard
// output, standard error and exit code as they were. Only node:* modules.
import { existsSync, readFileSync } from 'node:fs'
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
Environment: XENOS_XL_TIMEOUT_S  give up after this many seconds (default: never).`

const here = dirname(fileURLToPath(import.meta.url))
const stateDir = process.env.XENOS_TESTBED_DIR ?? resolve(here, '../../../.testbed')

function fail (message) {
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
  return { port: Number(port), host: host ?? `port ${port}`, program, args: rest }
}

function encodeRequest (program, args) {
  const b64 = (s) => Buffer.from(s, 'utf8').toString('base64')
  const all = [program, ...args]
  return ['XLREQ1', b64(process.cwd()), String(all.length), ...all.map(b64)].join('\n') + '\n'
}

// Reply: XLRESP1\n CODE\n OUTLEN\n OUT ERRLEN\n ERR
function decodeReply (buf) {
  let pos = 0
  const line = () => {
    const nl = buf.indexOf(10, pos)
    if (nl < 0) return undefined
    const text = buf.subarray(pos, nl).toString('utf8'); pos = nl + 1; return text
  }
  const bytes = (n) => { const b = buf.subarray(pos, pos + n); pos += n; return b.length === n ? b : undefined }
  if (line() !== 'XLRESP1') return undefined
  const code = Number(line()); const outLen = Number(line())
  if (!Number.isInteger(code) || !Number.isInteger(outLen)) return undefined
  const out = bytes(outLen); if (out === undefined) return undefined
  const errLen = Number(line()); if (!Number.isInteger(errLen)) return undefined
  const err = bytes(errLen); if (err === undefined) return undefined
  return { code, out, err }
}

const { port, host, program, args } = parseArgs(process.argv.slice(2))
const chunks = []
const socket = connect({ host: '127.0.0.1', port })
const timeoutS = Number(process.env.XENOS_XL_TIMEOUT_S ?? '0')
if (timeoutS > 0) {
  setTimeout(() => { socket.destroy(); fail(`no reply from ${host} within ${timeoutS} s (XENOS_XL_TIMEOUT_S) to: ${program} ${args.join(' ')}`) }, timeoutS * 1000).unref()
}
socket.on('connect', () => socket.write(encodeRequest(program, args)))
socket.on('data', (d) => chunks.push(d))
socket.on('error', (e) => fail(`cannot reach the xl server of testbed host ${host} at 127.0.0.1:${port} (${e.code ?? e.message}): is the host running?`))
socket.on('close', () => {
  const reply = decodeReply(Buffer.concat(chunks))
  if (reply === undefined) {
    fail(`the xl server of testbed host ${host} (127.0.0.1:${port}) closed the connection without a complete reply ` +
      `(${Buffer.concat(chunks).length} bytes): Domain 0 is not up yet, or it died; see its console log`)
  }
  process.stdout.write(reply.out)
  process.stderr.write(reply.err, () => process.exit(reply.code))
})

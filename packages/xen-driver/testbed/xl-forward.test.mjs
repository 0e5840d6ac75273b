// Tests the testbed's toolstack link without Xen: the real dom0/xl-server script runs
// here, behind a TCP server that hands it each connection the way busybox `nc -e`
// does, with a fake `xl` first on its PATH; xl-forward.mjs talks to it.
// Run: node --test packages/xen-driver/testbed/ (run-compliance runs it first).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'xl-forward-test-'))
let server
let port

before(async () => {
  // a fake xl: echoes its arguments and working directory, and obeys FAKE commands
  writeFileSync(join(work, 'xl'), `#!/bin/bash
case "$1" in
  exit3) printf 'out line\\n\\n'; printf 'err: bad thing\\n' >&2; exit 3;;
  noeol) printf 'no newline at the end'; exit 0;;
  nul) printf 'before\\0after\\n'; printf 'e\\0rr\\n' >&2; exit 0;;
  big) head -c 300000 /dev/zero | tr '\\0' 'x'; exit 0;;
  children) sleep 0.1 & wait $!; echo "waited $?"; exit 0;;
  transport) sleep 300 & echo "$!" > "$2.transport"; wait $!; echo "transport ended $?" > "$2.xl"; exit 1;;
  save) [ -d "\${3%/*}" ] && echo "folder there"; exit 0;;
  daemon) sleep 30 >/dev/null 2>&1 & echo "left $!"; exit 0;;
  *) printf '%s\\n' "cwd=$PWD" "argc=$#"; for a in "$@"; do printf '[%s]\\n' "$a"; done;;
esac
`)
  chmodSync(join(work, 'xl'), 0o755)
  // the connection itself is the script's standard input and output, as with `nc -e`
  server = createServer({ pauseOnConnect: true }, (socket) => {
    spawn('bash', [join(here, 'dom0/xl-server')], {
      stdio: [socket, socket, 'inherit'],
      env: { ...process.env, XL_SERVER_PATH: `${work}:/usr/bin:/bin`, XL_SERVER_TMP: work, XL_SERVER_CONSOLE_DIR: join(work, 'console') }
    })
    socket.destroy() // the child holds the connection now
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  port = server.address().port
})
after(() => { server.close(); rmSync(work, { recursive: true, force: true }) })

// the forwarder as a child process (asynchronous: the server lives in this process)
function run (argv, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'xl-forward.mjs'), ...argv],
      { cwd: options.cwd ?? work, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []; const err = []
    child.stdout.on('data', d => out.push(d)); child.stderr.on('data', d => err.push(d))
    child.on('error', reject)
    child.on('close', status => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }))
  })
}
const forward = (args, options) => run(['--port', String(port), 'xl', ...args], options)

test('arguments arrive as they were: spaces, quotes, empty, newlines, non-ASCII', async () => {
  const args = ['migrate', '-s', '', 'g1', 'nc 10.77.0.2 5000', 'it\'s "quoted" $HOME', 'two\nlines', 'é ü']
  const r = await forward(args)
  assert.equal(r.status, 0)
  assert.equal(r.stdout, [`cwd=${work}`, `argc=${args.length}`, ...args.map(a => `[${a}]`)].join('\n') + '\n')
  assert.equal(r.stderr, '')
})

test('stdout, stderr and exit code come back exactly, trailing newlines included', async () => {
  const r = await forward(['exit3'])
  assert.equal(r.status, 3)
  assert.equal(r.stdout, 'out line\n\n')
  assert.equal(r.stderr, 'err: bad thing\n')
  assert.equal((await forward(['noeol'])).stdout, 'no newline at the end')
})

test('NUL bytes pass through untouched', async () => {
  const r = await forward(['nul'])
  assert.equal(r.stdout, 'before\0after\n')
  assert.equal(r.stderr, 'e\0rr\n')
})

test('a large output arrives whole', async () => {
  const r = await forward(['big'])
  assert.equal(r.status, 0)
  assert.equal(r.stdout.length, 300000)
})

test('the command can wait for its own children (SIGCHLD is not ignored)', async () => {
  const r = await forward(['children'])
  assert.equal(r.stdout, 'waited 0\n')
})

test('an unreachable server is exit code 125 with a message naming the port', async () => {
  const probe = createServer()
  await new Promise(resolve => probe.listen(0, '127.0.0.1', resolve))
  const dead = probe.address().port
  await new Promise(resolve => probe.close(resolve))
  const r = await run(['--port', String(dead), 'xl', 'list'])
  assert.equal(r.status, 125)
  assert.match(r.stderr, new RegExp(`xl-forward: cannot reach .*127\\.0\\.0\\.1:${dead}`))
})

test('XENOS_XL_LOG gets one line per call with the exit code', async () => {
  const log = join(work, 'calls.log')
  await forward(['exit3'], { env: { XENOS_XL_LOG: log } })
  assert.match(readFileSync(log, 'utf8'), /^\S+ port-\d+ \d+ms exit=3 \["xl","exit3"\]\n$/)
})

/** Polls `check` every 100 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
async function until (what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v !== undefined) return v
    if (Date.now() > deadline) assert.fail(`expected ${what} within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
const alive = (pid) => { try { process.kill(pid, 0); return true } catch { return false } }

test('a client that goes away stops its command: its helpers first (for xl migrate, the transport), so that xl winds down itself', async () => {
  const mark = join(work, 'gone')
  const child = spawn(process.execPath, [join(here, 'xl-forward.mjs'), '--port', String(port), 'xl', 'transport', mark], { stdio: 'ignore' })
  const transport = await until('the command to start its helper',
    () => existsSync(`${mark}.transport`) ? Number(readFileSync(`${mark}.transport`, 'utf8')) : undefined)
  assert.equal(alive(transport), true)
  child.kill('SIGKILL')
  const said = await until('the command to see its helper end and exit', () => existsSync(`${mark}.xl`) ? readFileSync(`${mark}.xl`, 'utf8') : undefined)
  assert.match(said, /^transport ended \d+\n$/)
  assert.equal(alive(transport), false)
})

test('xl save gets the folder of its checkpoint made first (Domain 0\'s own disk)', async () => {
  const r = await forward(['save', 'g1', join(work, 'ckpt', 'svc-1', '1.ckpt')])
  assert.equal(r.stdout, 'folder there\n')
})

test('testbed-console prints the log of a guest that arrived by migration, then its own', async () => {
  mkdirSync(join(work, 'console'), { recursive: true })
  writeFileSync(join(work, 'console', 'guest-g2--incoming.log'), 'arrived\n')
  writeFileSync(join(work, 'console', 'guest-g2.log'), 'restored\n')
  const r = await run(['--port', String(port), 'testbed-console', 'g2'])
  assert.equal(r.status, 0)
  assert.equal(r.stdout, 'arrived\nrestored\n')
  const none = await run(['--port', String(port), 'testbed-console', 'nobody'])
  assert.equal(none.status, 1)
  assert.match(none.stderr, /no console log for guest nobody/)
})

test('a command that leaves a process behind (xl create leaves one per guest) answers at once', async () => {
  const t0 = Date.now()
  const r = await forward(['daemon'])
  assert.match(r.stdout, /^left \d+\n$/)
  assert.ok(Date.now() - t0 < 15_000, `expected the answer before the process it left ends (30 s), found it after ${Date.now() - t0} ms`)
  process.kill(Number(r.stdout.split(' ')[1]))
})

#!/usr/bin/env node
// Prepares a fresh Debian machine for Xenos, then gets out of the way.
// Runs on the system Node (20 is fine): it only uses node:* modules.
//
//   1. Debian packages that native modules need (cairo/pango for chart
//      rendering through `canvas`), installed with apt-get when missing.
//   2. `npm ci` when node_modules is missing or older than package-lock.json.
//      This also installs the project's own Node 22 (the `node` devDependency),
//      which npm scripts then run on.
//
// Idempotent and quick when nothing is missing. Flags: --help, --check (report only).
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: node scripts/setup.mjs [--check]

Installs what a fresh Debian machine lacks to build, test and run Xenos:
  Debian packages: ${debianPackages().join(' ')}
  npm packages:    npm ci (when package-lock.json changed since the last install)
--check  report what is missing, install nothing, exit 1 if anything is`)
  process.exit(0)
}
const checkOnly = args.includes('--check')

function debianPackages () {
  // cairo/pango and friends: to build `canvas` (used by chartjs-node-canvas) from source.
  // qemu-utils: `qemu-img`, which xen-driver uses for qcow2 and copy-on-write clones
  // (its tests exercise those clauses with it; without it they are skipped).
  return ['libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev', 'librsvg2-dev', 'pkg-config', 'python3', 'make', 'g++', 'qemu-utils']
}

function log (msg) { console.log(`[setup] ${msg}`) }

function missingDebian (pkgs) {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) return [] // not Debian: trust the user
  return pkgs.filter(p => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' })
    return r.status !== 0 || !r.stdout.includes('install ok installed')
  })
}

function run (cmd, argv, opts = {}) {
  log(`$ ${cmd} ${argv.join(' ')}`)
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts })
  if (r.status !== 0) {
    console.error(`[setup] failed: ${cmd} ${argv.join(' ')} exited with ${r.status ?? r.signal}`)
    process.exit(r.status ?? 1)
  }
}

let problems = 0
const missing = missingDebian(debianPackages())
if (missing.length > 0) {
  if (checkOnly) { log(`missing Debian packages: ${missing.join(' ')}`); problems++ } else {
    const sudo = process.getuid?.() === 0 ? [] : ['sudo']
    const apt = (...a) => sudo.length ? run('sudo', ['apt-get', ...a]) : run('apt-get', a)
    log(`installing Debian packages: ${missing.join(' ')}`)
    apt('update', '-qq')
    apt('install', '-y', '-qq', '--no-install-recommends', ...missing, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
}

const lock = join(root, 'package-lock.json')
const stamp = join(root, 'node_modules', '.xenos-setup-stamp')
const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex')
const installed = existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash
if (!installed) {
  if (checkOnly) { log('node_modules is missing or out of date'); problems++ } else {
    log('installing npm packages (npm ci); the first time this builds canvas from source and takes a few minutes')
    run('npm', ['ci', '--no-audit', '--no-fund'])
    writeFileSync(stamp, lockHash)
  }
}

if (!checkOnly || installed) {
  const nodeBin = join(root, 'node_modules', '.bin', 'node')
  const version = existsSync(nodeBin) ? execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim() : 'none'
  const major = Number(/^v(\d+)/.exec(version)?.[1] ?? 0)
  if (major < 22) {
    console.error(`[setup] expected the project's Node 22 at node_modules/.bin/node, found ${version}`)
    process.exit(1)
  }
  log(`ready: project Node ${version} (system Node ${process.version})`)
}
process.exit(problems > 0 ? 1 : 0)

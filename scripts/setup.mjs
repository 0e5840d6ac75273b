#!/usr/bin/env node
// Prepares a machine for Xenos, then gets out of the way. Runs on the system
// Node (20 is enough): it uses node:* modules only.
//
//   1. Debian packages that native modules and tests need, installed with
//      apt-get when missing (`apt-get update` first: a fresh machine has no
//      package lists).
//   2. `npm ci` when node_modules is missing or was installed from another
//      package-lock.json. This also installs the project's own Node 24 (the
//      `node` devDependency), which every npm script then runs on.
//
// A second run does nothing and says so in one line. `--help` lists the flags.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Debian packages by purpose. `base` is what `npm test` and `npm run paper`
 * need; the others are installed by the tools that need them.
 */
const GROUPS = {
  'base': {
    why: 'build canvas (charts) from source, run every package\'s tests',
    packages: [
      ['libcairo2-dev', 'cairo, which canvas draws charts with'],
      ['libpango1.0-dev', 'pango, canvas\'s text layout'],
      ['libjpeg-dev', 'JPEG support that canvas builds against'],
      ['libgif-dev', 'GIF support that canvas builds against'],
      ['librsvg2-dev', 'SVG support that canvas builds against'],
      ['pkg-config', 'finds the libraries above when canvas builds'],
      ['python3', 'node-gyp, which builds canvas'],
      ['make', 'node-gyp, which builds canvas'],
      ['g++', 'node-gyp, which builds canvas'],
      ['qemu-utils', 'qemu-img, for xen-driver\'s qcow2 and copy-on-write images (its tests use it)']
    ]
  },
  'xen-testbed': {
    why: 'boot two Xen 4.17 hosts under QEMU for xen-driver\'s compliance suite (packages/xen-driver/testbed)',
    packages: [
      ['qemu-system-x86', 'the emulated hosts'],
      ['xen-hypervisor-4.17-amd64', 'the hypervisor they boot'],
      ['xen-utils-4.17', 'xl and the toolstack of Domain 0'],
      ['linux-image-amd64', 'the kernel of Domain 0 and of the test guests'],
      ['busybox-static', 'the user land of Domain 0 and of the test guests'],
      ['cpio', 'packs their initramfs'],
      ['util-linux', 'flock, for the testbed\'s locks']
    ]
  },
  'simgrid': {
    why: 'run SimGrid beside the engine in its bench (packages/sim-engine/bench/simgrid)',
    packages: [
      ['libsimgrid-dev', 'SimGrid 3.32, the simulator the engine is compared with'],
      ['g++', 'compiles the SimGrid side of the bench']
    ]
  }
}

const USAGE = `usage: node scripts/setup.mjs [--check | --simulate] [--packages GROUP[,GROUP...]]

Installs what a machine lacks to build, test and run Xenos, and nothing else:
  1. Debian packages (apt-get update, then apt-get install --no-install-recommends),
     as root or through sudo, only those that dpkg does not list as installed:
${Object.entries(GROUPS).map(([g, { why, packages }]) =>
  `     ${g}${g === 'base' ? ' (the default)' : ''}: to ${why}\n${packages.map(([p, w]) => `       ${p.padEnd(26)} ${w}`).join('\n')}`).join('\n')}
  2. npm ci, when node_modules is missing or was installed from another
     package-lock.json (the first time it builds canvas, a few minutes). This
     also installs the project's Node 24, which every npm script runs on.
A second run does nothing and says so in one line. Without apt-get (not Debian),
it names the libraries to install by hand and goes on with npm.

  --check            report what is missing, install nothing; exit 1 if anything is
  --simulate         ask apt-get's resolver to plan an install of every package of
                     every group (apt-get install --simulate): an invalid name or an
                     unresolvable set fails, on any machine, installed or not
  --packages GROUPS  only these groups' Debian packages, and no npm step
                     (groups: ${Object.keys(GROUPS).join(', ')})
  -h, --help         this text`

/** A Debian package name (Debian Policy 5.6.1); anything else must never reach apt-get. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/

class UsageError extends Error {
  constructor (message) { super(message); this.name = 'UsageError' }
}

function parseArgs (argv) {
  const opts = { check: false, simulate: false, groups: ['base'], npm: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-h' || a === '--help') opts.help = true
    else if (a === '--check') opts.check = true
    else if (a === '--simulate') opts.simulate = true
    else if (a === '--packages' || a.startsWith('--packages=')) {
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]
      if (value === undefined || value === '') throw new UsageError('--packages needs a list of groups')
      opts.groups = value.split(',')
      for (const g of opts.groups) {
        if (!(g in GROUPS)) throw new UsageError(`--packages: unknown group '${g}' (expected one of: ${Object.keys(GROUPS).join(', ')})`)
      }
      opts.npm = false
    } else throw new UsageError(`unknown option '${a}'`)
  }
  if (opts.check && opts.simulate) throw new UsageError('--check and --simulate do not go together')
  if (opts.simulate && !argv.some(a => a.startsWith('--packages'))) opts.groups = Object.keys(GROUPS)
  return opts
}

function log (msg) { console.log(`[setup] ${msg}`) }
function fail (msg, code = 1) {
  console.error(`[setup] error: ${msg}`)
  process.exit(code)
}

function onPath (cmd) {
  return (process.env.PATH ?? '').split(delimiter).some(dir => dir !== '' && existsSync(join(dir, cmd)))
}

function packagesOf (groups) {
  const names = [...new Set(groups.flatMap(g => GROUPS[g].packages.map(([p]) => p)))]
  for (const p of names) {
    if (!PACKAGE_NAME.test(p)) throw new Error(`not a Debian package name: '${p}'`)
  }
  return names
}

function missingDebian (names) {
  return names.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' })
    return r.status !== 0 || !r.stdout.includes('install ok installed')
  })
}

/** The argv of one apt-get call. The only place where apt-get's arguments are made. */
function aptArgv (action, names = [], { simulate = false } = {}) {
  if (action === 'update') return ['update', '-qq']
  for (const p of names) {
    if (!PACKAGE_NAME.test(p)) throw new Error(`not a Debian package name: '${p}'`)
  }
  return ['install', ...(simulate ? ['--simulate'] : ['-y']), '-qq', '--no-install-recommends',
    '-o', 'DPkg::Lock::Timeout=300', ...names]
}

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' }

/**
 * How to run apt-get as root: directly when root, through sudo (which resets
 * the environment, hence `env`) otherwise; null when neither is possible.
 */
function rootPrefix () {
  if (process.getuid?.() === 0) return []
  if (onPath('sudo')) return ['sudo', 'env', ...Object.entries(APT_ENV).map(([k, v]) => `${k}=${v}`)]
  return null
}

function byHand (names) {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${names.join(' ')}`
}

function run (cmd, argv, { env } = {}) {
  log(`$ ${[cmd, ...argv].join(' ')}`)
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } })
  if (r.error) return `could not start ${cmd}: ${r.error.message}`
  if (r.status !== 0) return `${cmd} ${argv.join(' ')} exited with ${r.status ?? r.signal}`
  return null
}

function apt (prefix, argv) {
  const [cmd, ...rest] = [...prefix, 'apt-get']
  return run(cmd, [...rest, ...argv], { env: APT_ENV })
}

/** Whether this machine has Debian's package tools. */
function isDebian () { return onPath('dpkg-query') && onPath('apt-get') }

function debianStep (opts, report) {
  const names = packagesOf(opts.groups)
  if (!isDebian()) {
    report.notes.push(`not a Debian system (no apt-get or dpkg-query): install by hand the equivalents of ${names.join(' ')}`)
    return
  }
  const missing = missingDebian(names)
  if (missing.length === 0) { report.done.push(`${names.length} Debian packages present`); return }
  if (opts.check) { report.missing.push(`Debian packages: ${missing.join(' ')}`); return }
  const prefix = rootPrefix()
  if (prefix === null) {
    fail(`installing ${missing.join(' ')} needs root, and there is no sudo. Run as root:\n  ${byHand(missing)}\nthen run this again.`)
  }
  log(`installing Debian packages: ${missing.join(' ')}`)
  const err = apt(prefix, aptArgv('update')) ?? apt(prefix, aptArgv('install', missing))
  if (err) fail(`${err}\nTo install them by hand, as root:\n  ${byHand(missing)}`)
  const still = missingDebian(missing)
  if (still.length > 0) fail(`apt-get succeeded but dpkg does not list as installed: ${still.join(' ')}`)
  report.changed.push(`installed ${missing.join(' ')}`)
}

function simulateStep (opts) {
  const names = packagesOf(opts.groups)
  if (!onPath('apt-get')) fail('--simulate needs apt-get (a Debian system)')
  if (!hasPackageLists()) {
    // A machine that never ran `apt-get update` knows only what is installed.
    const prefix = rootPrefix()
    if (prefix === null) fail('this machine has no apt package lists; run `apt-get update` as root first')
    const err = apt(prefix, aptArgv('update'))
    if (err) fail(err)
  }
  log(`asking apt-get's resolver to plan an install of ${names.length} packages (${opts.groups.join(', ')})`)
  const argv = aptArgv('install', names, { simulate: true })
  log(`$ apt-get ${argv.join(' ')}`)
  const r = spawnSync('apt-get', argv, { encoding: 'utf8', cwd: root, env: { ...process.env, ...APT_ENV } })
  if (r.error) fail(`could not start apt-get: ${r.error.message}`)
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr)
    fail(`apt-get install --simulate exited with ${r.status ?? r.signal}: the package list of scripts/setup.mjs does not resolve on this machine`)
  }
  const planned = r.stdout.split('\n').filter(l => l.startsWith('Inst ')).length
  log(`apt-get can install every package of the list (${planned} packages to add on this machine, with dependencies)`)
}

function hasPackageLists () {
  const dir = process.env.XENOS_SETUP_APT_LISTS ?? '/var/lib/apt/lists'
  try { return readdirSync(dir).some(f => f.endsWith('_Packages') || f.endsWith('_Packages.lz4')) } catch { return false }
}

function npmStep (opts, report) {
  const lock = join(root, 'package-lock.json')
  if (!existsSync(lock)) fail(`no ${lock}: run this from a clone of the repository`)
  const stamp = join(root, 'node_modules', '.xenos-setup-stamp')
  const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex')
  const current = existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash
  if (current) report.done.push('node_modules matches package-lock.json')
  else if (opts.check) report.missing.push('node_modules (missing, or installed from another package-lock.json)')
  else {
    log('installing npm packages (npm ci); the first time this builds canvas from source and takes a few minutes')
    const err = run('npm', ['ci', '--no-audit', '--no-fund'])
    if (err) fail(`${err}${isDebian() ? '' : '\n(if canvas failed to build: its libraries must be installed by hand, see --help)'}`)
    writeFileSync(stamp, lockHash)
    report.changed.push('installed npm packages')
  }
  const nodeBin = join(root, 'node_modules', '.bin', 'node')
  if (!existsSync(nodeBin)) {
    if (!opts.check) fail(`npm ci did not install the project's Node at ${nodeBin}`)
    return
  }
  const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim()
  const major = Number(/^v(\d+)/.exec(version)?.[1] ?? 0)
  if (major < 24) fail(`expected the project's Node 24 at ${nodeBin}, found ${version}`)
  report.done.push(`project Node ${version}`)
}

function main () {
  let opts
  try { opts = parseArgs(process.argv.slice(2)) } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`[setup] error: ${err.message}\n${USAGE.split('\n')[0]}\n(--help says more)`)
    process.exit(2)
  }
  if (opts.help) { console.log(USAGE); return 0 }
  if (opts.simulate) { simulateStep(opts); return 0 }
  const report = { done: [], changed: [], missing: [], notes: [] }
  debianStep(opts, report)
  if (opts.npm) npmStep(opts, report)
  for (const n of report.notes) log(n)
  if (opts.check) {
    if (report.missing.length > 0) {
      for (const m of report.missing) log(`missing: ${m}`)
      return 1
    }
    log(`nothing missing: ${report.done.join(', ')}`)
    return 0
  }
  if (report.changed.length === 0) log(`nothing to do: ${report.done.join(', ')}`)
  else log(`ready: ${[...report.changed, ...report.done].join(', ')}`)
  return 0
}

process.exit(main())

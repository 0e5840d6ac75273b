// The set-up script runs against stand-ins for dpkg-query, apt-get, sudo and
// npm, first (and alone) on PATH, so the install path is exercised on every
// machine, including one that already has everything.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const script = join(dirname(fileURLToPath(import.meta.url)), 'setup.mjs')
const node = process.execPath

/** The packages `--help` lists for a group, read from the script's own help text. */
function helpGroups (): Map<string, string[]> {
  const help = execFileSync(node, [script, '--help'], { encoding: 'utf8' })
  const groups = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of help.split('\n')) {
    const g = /^ {5}([a-z-]+)(?: \(the default\))?: to /.exec(line)
    if (g) { current = []; groups.set(g[1]!, current); continue }
    const p = /^ {7}(\S+) {2,}/.exec(line)
    if (p && current) current.push(p[1]!)
    else if (!line.startsWith('       ')) current = undefined
  }
  return groups
}
const GROUPS = helpGroups()
const BASE = GROUPS.get('base')!
const TESTBED = GROUPS.get('xen-testbed')!
const SIMGRID = GROUPS.get('simgrid')!
/** Every group's packages, each once, in the order the script lists them. */
const ALL = [...new Set([...BASE, ...TESTBED, ...SIMGRID])]

/** Debian Policy 5.6.1: what a package name may be. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/

interface Call { tool: string, argv: string[], env: { DEBIAN_FRONTEND?: string } }

let dir: string
let bin: string
let repo: string
let calls: string
let installed: string

/** A stand-in command: a Node script that records its argv and environment, then does `body`. */
function standIn (name: string, body: string): void {
  const file = join(bin, name)
  writeFileSync(file, `#!${node}
const fs = require('node:fs')
const argv = process.argv.slice(2)
fs.appendFileSync(${JSON.stringify(calls)},
  JSON.stringify({ tool: ${JSON.stringify(name)}, argv, env: { DEBIAN_FRONTEND: process.env.DEBIAN_FRONTEND } }) + '\\n')
const installed = ${JSON.stringify(installed)}
const have = () => fs.existsSync(installed) ? fs.readFileSync(installed, 'utf8').split('\\n').filter(Boolean) : []
${body}
`)
  chmodSync(file, 0o755)
}

function standIns ({ dpkg = true, apt = true, sudo = false, aptFails = false, projectNode = 'v24.99.0' } = {}): void {
  if (dpkg) {
    standIn('dpkg-query', `
const name = argv[argv.length - 1]
if (have().includes(name)) { process.stdout.write('install ok installed'); process.exit(0) }
process.stderr.write('dpkg-query: no packages found matching ' + name + '\\n'); process.exit(1)`)
  }
  if (apt) {
    standIn('apt-get', `
if (${aptFails}) { process.stderr.write('E: Unable to correct problems\\n'); process.exit(100) }
if (argv[0] === 'install' && argv.includes('-y')) {
  fs.appendFileSync(installed, argv.filter(a => !a.startsWith('-') && a !== 'install' && !a.includes('=')).join('\\n') + '\\n')
}
if (argv.includes('--simulate')) {
  process.stdout.write(argv.filter(a => /^[a-z0-9]/.test(a) && a !== 'install').map(p => 'Inst ' + p + ' (1.0 Debian:12)').join('\\n') + '\\n')
}`)
  }
  if (sudo) {
    standIn('sudo', `
const r = require('node:child_process').spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' })
process.exit(r.status ?? 1)`)
    symlinkSync('/usr/bin/env', join(bin, 'env'))
  }
  standIn('npm', `
if (argv[0] !== 'ci') process.exit(1)
fs.mkdirSync('node_modules/.bin', { recursive: true })
fs.writeFileSync('node_modules/.bin/node', '#!/bin/sh\\necho ${projectNode}\\n', { mode: 0o755 })`)
}

/** Runs the copy of setup.mjs in the scratch repository, with only the stand-ins on PATH. */
function setup (args: string[] = [], { root = true } = {}) {
  // a non-root user, without changing the script: its process.getuid answers 1000
  const asUser = root ? [] : ['--import', 'data:text/javascript,process.getuid=()=>1000']
  const r = spawnSync(node, [...asUser, join(repo, 'scripts', 'setup.mjs'), ...args], {
    encoding: 'utf8',
    env: { PATH: bin, HOME: dir, XENOS_SETUP_APT_LISTS: join(dir, 'lists') }
  })
  const log: Call[] = existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as Call) : []
  rmSync(calls, { force: true })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: log }
}

const aptCalls = (log: Call[]) => log.filter(c => c.tool === 'apt-get')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenos-setup-'))
  bin = join(dir, 'bin')
  repo = join(dir, 'repo')
  calls = join(dir, 'calls.jsonl')
  installed = join(dir, 'installed')
  mkdirSync(bin)
  mkdirSync(join(repo, 'scripts'), { recursive: true })
  mkdirSync(join(dir, 'lists'))
  writeFileSync(join(dir, 'lists', 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages'), '')
  copyFileSync(script, join(repo, 'scripts', 'setup.mjs'))
  writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3}\n')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('scripts/setup.mjs', () => {
  it('lists its groups in --help, each package a valid Debian name', () => {
    expect(BASE.length).toBeGreaterThan(5)
    expect(TESTBED).toContain('xen-utils-4.17')
    expect(SIMGRID).toContain('libsimgrid-dev')
    for (const p of ALL) expect(p).toMatch(PACKAGE_NAME)
  })

  it('on a fresh machine, as root: apt-get update, then install with only flags and package names, non-interactive; then npm ci', () => {
    standIns()
    const r = setup()
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const apt = aptCalls(r.calls)
    expect(apt.map(c => c.argv)).toEqual([
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...BASE]
    ])
    for (const c of apt) expect(c.env.DEBIAN_FRONTEND).toBe('noninteractive')
    const install = apt[1]!.argv
    for (let i = 0; i < install.length; i++) {
      const a = install[i]!
      if (a.startsWith('-')) continue
      if (install[i - 1] === '-o') { expect(a).toMatch(/^[A-Za-z:]+=\d+$/); continue }
      if (a === 'install') continue
      expect(a).toMatch(PACKAGE_NAME)
    }
    expect(r.calls.filter(c => c.tool === 'npm').map(c => c.argv)).toEqual([['ci', '--no-audit', '--no-fund']])
    expect(r.stdout).toMatch(/\[setup\] ready: installed .*libcairo2-dev.*, installed npm packages, .*project Node v24\.99\.0/)
  })

  it('a second run does nothing and says so in one line', () => {
    standIns()
    expect(setup().status).toBe(0)
    const again = setup()
    expect(again.status).toBe(0)
    expect(aptCalls(again.calls)).toEqual([])
    expect(again.calls.filter(c => c.tool === 'npm')).toEqual([])
    expect(again.stdout.trimEnd().split('\n')).toEqual([
      `[setup] nothing to do: ${BASE.length} Debian packages present, node_modules matches package-lock.json, project Node v24.99.0`
    ])
  })

  it('refuses a project Node older than 24 that npm ci installed, naming the version found', () => {
    standIns({ projectNode: 'v22.23.3' })
    const r = setup()
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('expected the project\'s Node 24 at')
    expect(r.stderr).toContain('found v22.23.3')
  })

  it('installs npm packages again when package-lock.json changes', () => {
    standIns()
    setup()
    writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3, "changed": true}\n')
    const r = setup()
    expect(r.calls.filter(c => c.tool === 'npm')).toHaveLength(1)
    expect(aptCalls(r.calls)).toEqual([])
  })

  it('as a user with sudo: sudo carries the non-interactive environment itself (sudo resets it)', () => {
    standIns({ sudo: true })
    const r = setup([], { root: false })
    expect(r.status).toBe(0)
    const sudo = r.calls.filter(c => c.tool === 'sudo').map(c => c.argv)
    expect(sudo).toEqual([
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...BASE]
    ])
    for (const c of aptCalls(r.calls)) expect(c.env.DEBIAN_FRONTEND).toBe('noninteractive')
  })

  it('as a user without sudo: says exactly which command to run as root, installs nothing', () => {
    standIns()
    const r = setup([], { root: false })
    expect(r.status).toBe(1)
    expect(aptCalls(r.calls)).toEqual([])
    expect(r.stderr).toContain(`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${BASE.join(' ')}`)
  })

  it('without apt-get (not Debian): names the libraries to install by hand and goes on with npm', () => {
    standIns({ dpkg: false, apt: false })
    const r = setup()
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(`not a Debian system (no apt-get or dpkg-query): install by hand the equivalents of ${BASE.join(' ')}`)
    expect(r.calls.filter(c => c.tool === 'npm')).toHaveLength(1)
  })

  it('a failing apt-get stops set-up with its exit status and the command to run by hand', () => {
    standIns({ aptFails: true })
    const r = setup()
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/apt-get update -qq exited with 100/)
    expect(r.stderr).toContain('DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends')
    expect(r.calls.filter(c => c.tool === 'npm')).toEqual([])
  })

  it('--check lists what is missing and exits 1, installing nothing; 0 once nothing is', () => {
    standIns()
    const r = setup(['--check'])
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(`missing: Debian packages: ${BASE.join(' ')}`)
    expect(r.stdout).toContain('missing: node_modules')
    expect(r.calls.every(c => c.tool === 'dpkg-query')).toBe(true)
    setup()
    const ok = setup(['--check'])
    expect(ok.status).toBe(0)
    expect(ok.stdout).toMatch(/^\[setup\] nothing missing: /)
  })

  it('--simulate asks the resolver about every group, through the same argv as a real install', () => {
    standIns()
    const r = setup(['--simulate'])
    expect(r.status).toBe(0)
    expect(aptCalls(r.calls).map(c => c.argv)).toEqual([
      ['install', '--simulate', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...ALL]
    ])
    expect(r.stdout).toContain(`(${ALL.length} packages to add on this machine`)
    expect(existsSync(installed)).toBe(false)
  })

  it('--simulate updates the package lists first on a machine that never fetched them', () => {
    standIns()
    rmSync(join(dir, 'lists'), { recursive: true })
    const r = setup(['--simulate'])
    expect(r.status).toBe(0)
    expect(aptCalls(r.calls).map(c => c.argv[0])).toEqual(['update', 'install'])
  })

  it('--packages xen-testbed installs only that group, without the npm step', () => {
    standIns()
    const r = setup(['--packages', 'xen-testbed'])
    expect(r.status).toBe(0)
    expect(aptCalls(r.calls)[1]!.argv.slice(6)).toEqual(TESTBED)
    expect(r.calls.filter(c => c.tool === 'npm')).toEqual([])
  })

  it('refuses an unknown option or group with exit 2 and says what it expected', () => {
    standIns()
    const bad = setup(['--frobnicate'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('unknown option \'--frobnicate\'')
    const group = setup(['--packages', 'nope'])
    expect(group.status).toBe(2)
    expect(group.stderr).toContain('unknown group \'nope\' (expected one of: base, xen-testbed, simgrid)')
    expect(bad.calls.concat(group.calls)).toEqual([])
  })
})

// ESLint rule `xenos/no-import-cycle`: no module may reach itself through its
// relative imports. Every kind of import counts (`import`, `import type`,
// `export ... from`, `import()`), because a cycle of types is still two
// modules that cannot be understood, tested or moved apart. Imports of other
// packages are left to Nx (`@nx/enforce-module-boundaries` refuses circular
// project dependencies). Modules are read with TypeScript's pre-processor and
// cached for the whole ESLint run.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, relative, resolve } from 'node:path'
import ts from 'typescript'

const CANDIDATES = {
  '.js': ['.ts', '.tsx', '.js'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
  '': ['.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts', '/index.js']
}

function isFile (path) {
  try { return statSync(path).isFile() } catch { return false }
}

/** The file a relative specifier of `from` names, or undefined (not relative, or not found). */
export function resolveRelative (from, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined
  const target = resolve(dirname(from), specifier)
  const ext = extname(target)
  const known = CANDIDATES[ext]
  if (known === undefined) return isFile(target) ? target : undefined
  const stem = ext === '' ? target : target.slice(0, -ext.length)
  for (const candidate of known) {
    const path = stem + candidate
    if (isFile(path)) return path
  }
  return isFile(target) ? target : undefined
}

const depsCache = new Map()

/** The files `file` imports by relative specifiers, in source order. */
export function relativeImports (file) {
  const cached = depsCache.get(file)
  if (cached !== undefined) return cached
  const source = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const info = ts.preProcessFile(source, true, true)
  const deps = []
  for (const ref of info.importedFiles) {
    const path = resolveRelative(file, ref.fileName)
    if (path !== undefined && !deps.some(d => d.path === path)) deps.push({ path, specifier: ref.fileName })
  }
  depsCache.set(file, deps)
  return deps
}

/** A path of files from `start` back to `target` through relative imports, or undefined. */
function pathBack (start, target) {
  const seen = new Set()
  const stack = [[start, [start]]]
  while (stack.length > 0) {
    const [file, path] = stack.pop()
    if (file === target) return path
    if (seen.has(file)) continue
    seen.add(file)
    const deps = relativeImports(file)
    for (let i = deps.length - 1; i >= 0; i--) {
      const next = deps[i].path
      if (next === target || !seen.has(next)) stack.push([next, [...path, next]])
    }
  }
  return undefined
}

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid import cycles between the modules of a package, type-only imports included' },
    schema: [],
    messages: { cycle: 'import cycle: {{ cycle }} (split out what both sides need, or pass a narrow interface)' }
  },
  create (context) {
    const file = context.filename ?? context.getFilename()
    if (!isFile(file)) return {}
    const root = context.cwd ?? dirname(file)
    const reported = new Set()
    const check = (node, specifier) => {
      const dep = resolveRelative(file, specifier)
      if (dep === undefined || reported.has(dep)) return
      const back = pathBack(dep, file)
      if (back === undefined) return
      reported.add(dep)
      const cycle = [file, ...back].map(p => relative(root, p) || p).join(' > ')
      context.report({ node, messageId: 'cycle', data: { cycle } })
    }
    return {
      ImportDeclaration (node) { check(node, node.source.value) },
      ExportNamedDeclaration (node) { if (node.source) check(node, node.source.value) },
      ExportAllDeclaration (node) { check(node, node.source.value) },
      ImportExpression (node) { if (node.source.type === 'Literal' && typeof node.source.value === 'string') check(node, node.source.value) },
      TSImportType (node) {
        const arg = node.argument?.literal ?? node.argument
        if (arg?.type === 'Literal' && typeof arg.value === 'string') check(node, arg.value)
      }
    }
  }
}

/** The plugin, for `plugins: { xenos }` in a flat config. */
export default { rules: { 'no-import-cycle': noImportCycle } }

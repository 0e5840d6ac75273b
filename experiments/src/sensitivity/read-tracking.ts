/**
 * Which loaded input values a run reads, and which of them an estimate
 * moves: the sensitivity analysis runs a grid point again with an estimate
 * moved only when the point's run on the base inputs read a value the
 * estimate changes. A run that never reads a value cannot depend on it (the
 * simulation is deterministic: the same seed and the same values read give
 * the same bytes), so the rest are provably unchanged.
 *
 * Both halves work on the objects the loaders make (a `Platform` with its
 * host types expanded, the cost file's values), not on the files' text, so
 * nothing lists by hand which value goes where:
 * - `valuesMoved` compares the base objects with those loaded from a file
 *   with one estimate moved, and gives the paths of every value that differs
 *   (`platform:hosts.3.disks.0.readBps` for each host of the moved host type);
 * - `watchReads` gives a view of the base objects that records the path of
 *   every value read through it, however deep, during a run.
 *
 * @example
 * ```ts
 * const read = new Set<string>()
 * const platform = watchReads(await loadPlatform(file), 'platform', p => read.add(p))
 * // ... run on `platform` ...
 * const moved = valuesMoved(base, perturbed, 'platform')
 * const reaches = moved === 'all' || moved.some(p => read.has(p))
 * ```
 */
import { SensitivityError } from './errors.js'

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null
/** `prefix:` then dotted keys. */
const join = (path: string, key: string): string => path.endsWith(':') ? `${path}${key}` : `${path}.${key}`

function isPlain (v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown
  return Array.isArray(v) || proto === Object.prototype || proto === null
}

/**
 * A view of `value` (plain objects and arrays, as loaders make them) that
 * calls `onRead` with `prefix:dotted.path` the first time each value that is
 * not an object is read through it (a property read, a descriptor, a
 * spread or `JSON.stringify` all count). Objects read through it are views
 * too, one per object, so a reference kept by the model keeps recording.
 * Throws `SensitivityError` on an object that is not plain data (a map, a
 * class instance): what reads its contents cannot be seen.
 */
export function watchReads<T extends object> (value: T, prefix: string, onRead: (path: string) => void): T {
  const views = new WeakMap<object, object>()
  const view = <O extends object>(target: O, path: string): O => {
    const known = views.get(target)
    if (known !== undefined) return known as O
    if (!isPlain(target)) {
      const found = target.constructor?.name ?? 'non-plain object'
      throw new SensitivityError(`${path}: expected plain data (objects, arrays, numbers, strings) to watch, found a ${found}`)
    }
    const seen = new Set<string>()
    // A proxy must give a frozen property's own value, which would let reads inside it go unseen.
    const frozen = (key: string): never => {
      throw new SensitivityError(`${join(path, key)}: expected a value that can be watched, found it frozen`)
    }
    const read = (key: string, v: unknown): unknown => {
      if (isObject(v)) return view(v, join(path, key))
      // Functions are the prototypes' methods, undefined a key the data does not have (or a value no estimate can move: see `valuesMoved`).
      if (v !== undefined && typeof v !== 'function' && !seen.has(key)) {
        seen.add(key)
        onRead(join(path, key))
      }
      return v
    }
    const proxy = new Proxy(target, {
      get (t, key, receiver) {
        const v: unknown = Reflect.get(t, key, receiver)
        if (typeof key !== 'string') return v
        if (isObject(v) && Reflect.getOwnPropertyDescriptor(t, key)?.configurable === false) frozen(key)
        return read(key, v)
      },
      getOwnPropertyDescriptor (t, key) {
        const d = Reflect.getOwnPropertyDescriptor(t, key)
        if (d === undefined || typeof key !== 'string' || !('value' in d)) return d
        if (!isObject(d.value)) {
          read(key, d.value)
          return d
        }
        if (d.configurable === false) frozen(key)
        return { ...d, value: read(key, d.value) }
      }
    })
    views.set(target, proxy)
    return proxy
  }
  return view(value, `${prefix}:`)
}

/**
 * The paths (`prefix:dotted.path`) of every value that differs between `a`
 * and `b`, two loadings of a file that differ in one value; `'all'` when
 * their shapes differ (a key or an array element present in one only, or a
 * value of another type), where no list of values says what moved.
 */
export function valuesMoved (a: unknown, b: unknown, prefix: string): string[] | 'all' {
  const out: string[] = []
  const walk = (x: unknown, y: unknown, path: string): boolean => {
    if (!isObject(x) || !isObject(y)) {
      if (isObject(x) || isObject(y) || typeof x !== typeof y) return false
      if (!Object.is(x, y)) out.push(path)
      return true
    }
    if (Array.isArray(x) !== Array.isArray(y) || !isPlain(x) || !isPlain(y)) return false
    const keys = Object.keys(x)
    const other = Object.keys(y)
    if (keys.length !== other.length || keys.some((k, i) => other[i] !== k)) return false
    return keys.every(k => walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], join(path, k)))
  }
  return walk(a, b, `${prefix}:`) ? out : 'all'
}

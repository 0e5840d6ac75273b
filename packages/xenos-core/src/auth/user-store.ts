/**
 * The users file and the store that authenticates calls.
 *
 * ```yaml
 * # <dataDir>/users.yaml (mode 0600), written by `UserStore.addUser`
 * users:
 *   - name: root
 *     role: admin
 *     tokenHash: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *   - name: alice
 *     role: user
 *     tokenHash: sha256:...
 * ```
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseDocument, stringify } from 'yaml'
import { z } from 'zod'
import type { Credentials } from '../xmlrpc/credentials.js'
import { AuthenticationError, UsersFileError } from './errors.js'
import type { Principal, Role } from './principal.js'
import { generateToken, hashToken, isTokenHash, verifyToken, type TokenRandom } from './tokens.js'

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

export const usersFileSchema = z.strictObject({
  users: z.array(z.strictObject({
    name: z.string().regex(USER_RE, { error: 'a user name of 1-64 letters, digits, ".", "_", "@" or "-"' }),
    role: z.enum(['admin', 'user']),
    tokenHash: z.string().refine(isTokenHash, { error: 'sha256:<64 hex digits>' })
  })).default([])
})

export type UsersFile = z.output<typeof usersFileSchema>
type UserEntry = UsersFile['users'][number]

export class UserStore {
  private users = new Map<string, UserEntry>()
  private byHash = new Map<string, UserEntry>()

  /** @param file where `addUser` and friends persist; `undefined` for an in-memory store. */
  constructor (readonly file?: string, data: UsersFile = { users: [] }) {
    this.replace(data)
  }

  private replace (data: UsersFile): void {
    const users = new Map<string, UserEntry>()
    for (const u of data.users) {
      if (users.has(u.name)) throw new UsersFileError(this.file ?? '(memory)', `user "${u.name}" listed twice`)
      users.set(u.name, { ...u })
    }
    this.users = users
    this.byHash = new Map([...users.values()].map(u => [u.tokenHash, u]))
  }

  /** Loads a users file; a missing file gives an empty store that will be created on the first `addUser`. */
  static async load (file: string): Promise<UserStore> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new UserStore(file)
      throw new UsersFileError(file, `an unreadable file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
    }
    const doc = parseDocument(text, { uniqueKeys: true })
    if (doc.errors.length > 0) throw new UsersFileError(file, `invalid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`)
    const parsed = usersFileSchema.safeParse(doc.toJS() ?? {})
    if (!parsed.success) {
      const i = parsed.error.issues[0]
      throw new UsersFileError(file, `${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid content'}`)
    }
    return new UserStore(file, parsed.data)
  }

  /** Re-reads the file (after an administrator edited it). */
  async reload (): Promise<void> {
    if (this.file === undefined) return
    const fresh = await UserStore.load(this.file)
    this.replace(fresh.snapshot())
  }

  snapshot (): UsersFile {
    return { users: [...this.users.values()].map(u => ({ ...u })) }
  }

  /** True when `name` is a user of this file (grants may name it). */
  exists (name: string): boolean {
    return this.users.has(name)
  }

  list (): Principal[] {
    return [...this.users.values()].map(u => ({ user: u.name, role: u.role }))
  }

  /** Checks credentials; returns the caller or throws `AuthenticationError`. */
  authenticate (credentials: Credentials): Principal {
    if (credentials.scheme === 'basic') {
      const u = this.users.get(credentials.user)
      if (u === undefined || !verifyToken(credentials.token, u.tokenHash)) {
        throw new AuthenticationError('a user and its token', `no match for user "${credentials.user}"`)
      }
      return { user: u.name, role: u.role }
    }
    const u = this.byHash.get(hashToken(credentials.token))
    if (u === undefined) throw new AuthenticationError('a valid token', 'a token that matches no user')
    return { user: u.name, role: u.role }
  }

  /** Adds a user and returns its token (shown once; only its hash is kept). Persists. */
  async addUser (name: string, role: Role, random?: TokenRandom): Promise<{ principal: Principal, token: string }> {
    if (!USER_RE.test(name)) {
      throw new UsersFileError(this.file ?? '(memory)', `user name ${JSON.stringify(name)} (expected 1-64 letters, digits, ".", "_", "@" or "-")`)
    }
    if (this.users.has(name)) throw new UsersFileError(this.file ?? '(memory)', `user "${name}" already present`)
    return await this.setToken(name, role, random)
  }

  /** Replaces a user's token; the old one stops working at once. Persists. */
  async rotateToken (name: string, random?: TokenRandom): Promise<{ principal: Principal, token: string }> {
    const u = this.users.get(name)
    if (u === undefined) throw new UsersFileError(this.file ?? '(memory)', `no user "${name}"`)
    return await this.setToken(name, u.role, random)
  }

  async removeUser (name: string): Promise<boolean> {
    if (!this.users.has(name)) return false
    const data = this.snapshot()
    await this.commit({ users: data.users.filter(u => u.name !== name) })
    return true
  }

  private async setToken (name: string, role: Role, random?: TokenRandom): Promise<{ principal: Principal, token: string }> {
    const token = generateToken(random)
    const data = this.snapshot()
    await this.commit({ users: [...data.users.filter(u => u.name !== name), { name, role, tokenHash: hashToken(token) }] })
    return { principal: { user: name, role }, token }
  }

  /** Validates, writes atomically (temp file, mode 0600, rename), then swaps in memory. */
  private async commit (data: UsersFile): Promise<void> {
    const before = this.snapshot()
    this.replace(data)
    if (this.file === undefined) return
    try {
      await mkdir(dirname(this.file), { recursive: true })
      const tmp = `${this.file}.tmp-${process.pid}`
      await writeFile(tmp, stringify(data), { mode: 0o600 })
      await chmod(tmp, 0o600)
      await rename(tmp, this.file)
    } catch (err) {
      this.replace(before)
      throw new UsersFileError(this.file, `a write failure (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err })
    }
  }
}

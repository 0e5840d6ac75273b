import { expect } from 'vitest'

/**
 * Awaits `promise` and asserts it rejects with an error whose `name` is
 * `errorName` (matched by name, so two copies of the contract package still
 * agree). Returns the error for further checks.
 */
export async function expectRejects (promise: Promise<unknown>, errorName: string): Promise<Error> {
  let outcome: unknown
  try {
    outcome = await promise
  } catch (err) {
    expect(err, `expected a ${errorName}`).toBeInstanceOf(Error)
    const error = err as Error
    expect(error.name, `expected a ${errorName}, found ${error.name}: ${error.message}`).toBe(errorName)
    expect(error.message.length, 'an error message says what was expected and what was found').toBeGreaterThan(0)
    return error
  }
  return expect.unreachable(`expected a ${errorName}, found success (${JSON.stringify(outcome)?.slice(0, 200)})`)
}

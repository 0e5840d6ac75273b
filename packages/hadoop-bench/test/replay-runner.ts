/**
 * Test-only `CommandRunner` that replays scripted results: each step says
 * which command it expects (a predicate on argv) and what it returns, and
 * may advance a manual clock to stand for the command's duration.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ManualClock } from '@xenos/hypervisor-interface'
import type { CommandResult, CommandRunner } from '../src/real/command-runner.js'

export function transcript (name: string): string {
  return readFileSync(fileURLToPath(new URL(`./transcripts/${name}`, import.meta.url)), 'utf8')
}

export interface Step {
  /** Describes the expected command, for failure messages. */
  expect: string
  match: (argv: readonly string[]) => boolean
  result: Partial<CommandResult>
  /** Seconds the command takes on the manual clock. */
  takesS?: number
}

export class UnexpectedCommandError extends Error {
  constructor (readonly argv: readonly string[], readonly expected: string) {
    super(`replay: expected ${expected}, found command ${JSON.stringify(argv)}`)
    this.name = 'UnexpectedCommandError'
  }
}

export class ReplayRunner implements CommandRunner {
  readonly calls: string[][] = []
  private i = 0
  constructor (private readonly steps: Step[], private readonly clock?: ManualClock) {}

  async run (argv: readonly string[]): Promise<CommandResult> {
    this.calls.push([...argv])
    const step = this.steps[this.i]
    if (step === undefined) throw new UnexpectedCommandError(argv, 'no more commands')
    if (!step.match(argv)) throw new UnexpectedCommandError(argv, step.expect)
    this.i++
    if (step.takesS !== undefined) this.clock?.advance(step.takesS)
    return { exitCode: 0, stdout: '', stderr: '', ...step.result }
  }

  get remaining (): number { return this.steps.length - this.i }
}

/** Matches argv whose elements after the program contain `words` in order. */
export function has (...words: string[]): (argv: readonly string[]) => boolean {
  return (argv) => {
    let j = 0
    for (const a of argv) if (a === words[j]) j++
    return j === words.length
  }
}

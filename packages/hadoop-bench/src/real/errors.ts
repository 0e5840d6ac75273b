/**
 * Errors of the real Hadoop runner: a command or job that failed, and output
 * the parser does not understand (never a guessed answer).
 */

import { HadoopBenchError } from '../errors.js'

/** How many trailing lines of output a `HadoopJobError` keeps. */
export const OUTPUT_TAIL_LINES = 40

/** The last `lines` lines of `text` (trailing blank lines dropped). */
export function tailLines (text: string, lines = OUTPUT_TAIL_LINES): string {
  const all = text.replace(/\s+$/, '').split('\n')
  return all.slice(Math.max(0, all.length - lines)).join('\n')
}

/**
 * A Hadoop command that failed: non-zero exit, `Job failed`, a job that
 * ended in state FAILED/KILLED, or an uncaught exception in the client.
 */
export class HadoopJobError extends HadoopBenchError {
  constructor (
    /** The command run on the master (argv). */
    readonly command: readonly string[],
    /** Why it counts as failed (expected vs found). */
    readonly reason: string,
    /** Exit code of the command (of ssh, which passes the remote one on). */
    readonly exitCode: number,
    /** The last lines of stdout and stderr together. */
    readonly outputTail: string
  ) {
    super(`hadoop command failed: ${command.join(' ')}\n  ${reason} (exit code ${exitCode})\n--- last output ---\n${outputTail}`)
  }
}

/** Output the parser cannot read with certainty; names the line. */
export class HadoopOutputParseError extends HadoopBenchError {
  constructor (
    /** 1-based line number in the combined output, or 0 when the problem is something missing. */
    readonly line: number,
    /** The text of that line ('' when something is missing). */
    readonly text: string,
    readonly expected: string,
    readonly found: string
  ) {
    super(`hadoop output${line > 0 ? ` line ${line}` : ''}: expected ${expected}, found ${found}${text !== '' ? `\n  ${line}: ${text}` : ''}`)
  }
}

/** A command succeeded but its effect is not what was asked (a file of another size after a put or get). */
export class HadoopCheckError extends HadoopBenchError {
  constructor (readonly what: string, readonly expected: string, readonly found: string) {
    super(`${what}: expected ${expected}, found ${found}`)
  }
}

/** Options given to the real runner that make no sense. */
export class InvalidRunnerOptionError extends HadoopBenchError {
  constructor (readonly field: string, readonly expected: string, readonly found: unknown) {
    super(`real runner option ${field}: expected ${expected}, found ${JSON.stringify(found)}`)
  }
}

import { HypervisorError } from '@xenos/hypervisor-interface'

/** A tool printed a line the driver's parser does not understand (an `xl` or `xentop` version it does not know). */
export class XlOutputError extends HypervisorError {
  static override readonly code = 'ERR_XL_OUTPUT'
  constructor (readonly command: string, readonly line: string, readonly expected: string, options?: ErrorOptions) {
    super(`\`${command}\`: expected ${expected}, found the line ${JSON.stringify(line)}`, XlOutputError.code, options)
    this.name = 'XlOutputError'
  }
}

/** A command failed in a way no contract error describes; carries its exit code and standard error. */
export class XlCommandError extends HypervisorError {
  static override readonly code = 'ERR_XL_COMMAND'
  constructor (readonly command: string, readonly exitCode: number | undefined, readonly stderr: string, options?: ErrorOptions) {
    super(`\`${command}\`: expected exit code 0, found ${exitCode ?? 'no exit code'}: ${lastLines(stderr)}`, XlCommandError.code, options)
    this.name = 'XlCommandError'
  }
}

/** The last few non-empty lines of a tool's standard error, for messages. */
export function lastLines (text: string, count = 3): string {
  const lines = text.split('\n').map(l => l.trim()).filter(l => l !== '')
  return lines.length === 0 ? '(no output on standard error)' : lines.slice(-count).join(' | ')
}

/**
 * Progress on long work: a bar redrawn in place on a terminal, plain log
 * lines (at most one per label change and per 10%) otherwise.
 */
export interface Progress {
  update(fraction: number, label: string): void
  done(message: string): void
}

export function progress (stream: NodeJS.WriteStream): Progress {
  const tty = stream.isTTY === true
  let lastLabel = ''
  let lastTenth = -1
  return {
    update (fraction, label) {
      const f = Math.max(0, Math.min(1, fraction))
      if (tty) {
        const width = 30
        const filled = Math.round(f * width)
        const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${label}`
        const cols = stream.columns ?? 100
        stream.write(`\r${line.slice(0, cols - 1).padEnd(cols - 1)}`)
        return
      }
      const tenth = Math.floor(f * 10)
      if (label.split(' ').slice(0, 3).join(' ') !== lastLabel || tenth !== lastTenth) {
        lastLabel = label.split(' ').slice(0, 3).join(' ')
        lastTenth = tenth
        stream.write(`${(f * 100).toFixed(0).padStart(3)}% ${label}\n`)
      }
    },
    done (message) {
      if (tty) stream.write('\n')
      stream.write(`${message}\n`)
    }
  }
}

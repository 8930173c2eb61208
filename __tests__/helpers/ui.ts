import type { Ui } from '../../src/ui.js'

/** A Ui that runs each phase as it is and keeps the lines shown (warnings prefixed). */
export function recordingUi(): Ui & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    group: (_title, phase) => phase(),
    info: message => void lines.push(message),
    warning: message => void lines.push(`warning: ${message}`),
    detail: () => undefined
  }
}

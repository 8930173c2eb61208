// The CLI's Ui: each pipeline phase on a terminal as a live spinner with its
// elapsed time and latest event, then one line saying how it ended; in a CI
// log (not a TTY) one plain line per event. Tool output (the build log) is
// folded away unless verbose. Colour only on a TTY and never with NO_COLOR.
import type { Ui } from '../ui.js'
import { PLAIN_STYLE, type TextStyle } from '../report/text.js'

export interface TerminalOptions {
  /** Where progress goes: stderr, so that stdout carries only the result. */
  stream: NodeJS.WriteStream
  verbose: boolean
  env: NodeJS.ProcessEnv
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const FRAME_MS = 80

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`
const ANSI_STYLE: TextStyle = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  good: sgr(32, 39),
  bad: sgr(31, 39),
  warn: sgr(33, 39)
}

/** Is `stream` a terminal that takes cursor movement (not TERM=dumb)? */
export function isInteractive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/** Colours for `stream`: ANSI on a terminal unless NO_COLOR is set (https://no-color.org). */
export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): TextStyle {
  return isInteractive(stream, env) && !env.NO_COLOR ? ANSI_STYLE : PLAIN_STYLE
}

function seconds(startedAt: number): string {
  return `${((performance.now() - startedAt) / 1000).toFixed(1)} s`
}

interface Phase {
  title: string
  startedAt: number
  /** Events of the phase, shown under its final line on a terminal. */
  events: string[]
  /** The latest event or tool output line, shown beside the spinner. */
  status: string
  frame: number
  timer?: NodeJS.Timeout
}

export class TerminalUi implements Ui {
  readonly style: TextStyle
  private readonly interactive: boolean
  private phase?: Phase

  constructor(private readonly options: TerminalOptions) {
    this.interactive = isInteractive(options.stream, options.env)
    this.style = styleFor(options.stream, options.env)
  }

  async group<T>(title: string, run: () => Promise<T>): Promise<T> {
    const phase: Phase = { title, startedAt: performance.now(), events: [], status: '', frame: 0 }
    this.phase = phase
    if (!this.interactive || this.options.verbose) this.write(`▸ ${title}`)
    if (this.interactive) {
      this.write('\x1b[?25l', '')
      this.draw()
      phase.timer = setInterval(() => {
        phase.frame++
        this.draw()
      }, FRAME_MS)
    }
    try {
      const value = await run()
      this.end(this.style.good('✔'))
      return value
    } catch (error) {
      this.end(this.style.bad('✖'))
      throw error
    }
  }

  info(message: string): void {
    const phase = this.phase
    if (phase && this.interactive) {
      phase.events.push(message)
      phase.status = message
      this.draw()
    } else {
      this.write(phase ? `  ${message}` : message)
    }
  }

  warning(message: string): void {
    this.print(this.style.warn(`! ${message}`))
  }

  detail(line: string): void {
    if (this.options.verbose) this.print(this.style.dim(`  │ ${line}`))
    else if (this.phase && this.interactive) {
      this.phase.status = line
      this.draw()
    }
  }

  /** Stops a running spinner and gives the cursor back (on an interrupt). */
  close(): void {
    if (this.phase) this.end(this.style.bad('✖'))
  }

  private end(mark: string): void {
    const phase = this.phase
    if (!phase) return
    this.phase = undefined
    clearInterval(phase.timer)
    const line = `${mark} ${phase.title} ${this.style.dim(`(${seconds(phase.startedAt)})`)}`
    if (!this.interactive) {
      this.write(line)
      return
    }
    this.write(`\r\x1b[2K${line}`)
    for (const event of phase.events) this.write(this.style.dim(`  ${event}`))
    this.write('\x1b[?25h', '')
  }

  /** A permanent line; on a terminal it goes above the spinner, which is redrawn. */
  private print(text: string): void {
    if (this.phase && this.interactive) {
      this.write(`\r\x1b[2K${text}`)
      this.draw()
    } else {
      this.write(text)
    }
  }

  private draw(): void {
    const phase = this.phase
    if (!phase) return
    const head = `${FRAMES[phase.frame % FRAMES.length]} ${phase.title} ${seconds(phase.startedAt)}`
    // One screen line: a wrapped line could not be redrawn in place.
    const room = (this.options.stream.columns || 80) - head.length - 3
    const status = phase.status.replace(/\s+/g, ' ').trim()
    const shown = room > 10 && status ? `  ${this.style.dim(status.slice(0, room))}` : ''
    this.write(`\r\x1b[2K${this.style.bold(head)}${shown}`, '')
  }

  private write(text: string, end = '\n'): void {
    this.options.stream.write(`${text}${end}`)
  }
}

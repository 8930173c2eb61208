/* eslint-disable no-control-regex -- terminal output is matched escape sequence by escape sequence */
import { styleFor, TerminalUi } from '../../src/cli/terminal.js'
import { recordingStream } from '../helpers/stream.js'

const COLOUR = /\x1b\[3\dm/
const ESC = '\x1b'

async function phases(ui: TerminalUi): Promise<void> {
  ui.info('run 1 on Docker engine 20.10')
  await ui.group('Render', async () => ui.info('17 files'))
  await ui.group('Build demo:latest', async () => {
    ui.detail('#1 [internal] load build definition')
    ui.detail('#1 DONE 0.0s')
  })
  await expect(
    ui.group('Boot and measure', async () => {
      ui.warning('slow disk')
      throw new Error('not ready')
    })
  ).rejects.toThrow('not ready')
}

describe('TerminalUi', () => {
  it('writes one plain line per event when not on a terminal, without the build log', async () => {
    const stream = recordingStream()
    await phases(new TerminalUi({ stream, verbose: false, env: {} }))
    const lines = stream.text.trimEnd().split('\n')
    expect(lines.map(line => line.replace(/\(\d+\.\d s\)/, '(T)'))).toEqual([
      'run 1 on Docker engine 20.10',
      '▸ Render',
      '  17 files',
      '✔ Render (T)',
      '▸ Build demo:latest',
      '✔ Build demo:latest (T)',
      '▸ Boot and measure',
      '! slow disk',
      '✖ Boot and measure (T)'
    ])
    expect(stream.text).not.toContain(ESC)
  })

  it('shows the build log with verbose', async () => {
    const stream = recordingStream()
    await phases(new TerminalUi({ stream, verbose: true, env: {} }))
    expect(stream.text).toContain('▸ Build demo:latest\n  │ #1 [internal] load build definition\n')
  })

  it('draws a spinner on a terminal, then the outcome and the events of each phase', async () => {
    const stream = recordingStream({ tty: true, columns: 60 })
    await phases(new TerminalUi({ stream, verbose: false, env: {} }))
    expect(stream.text).toContain('\x1b[?25l') // cursor hidden while spinning
    expect(stream.text.endsWith('\x1b[?25h')).toBe(true) // and given back
    expect(stream.text).toMatch(/⠋ Render \d+\.\d s/)
    // the build log only passes by beside the spinner
    expect(stream.text).toContain('#1 DONE 0.0s')
    expect(stream.text).not.toMatch(/\n[^\r]*#1 DONE/)
    expect(stream.text).toMatch(/\r\x1b\[2K\x1b\[32m✔\x1b\[39m Render .*\n.* {2}17 files/)
    expect(stream.text).toMatch(/✖\x1b\[39m Boot and measure/)
    // no screen line is longer than the terminal
    const screenLines = stream.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/[\r\n]/)
    expect(Math.max(...screenLines.map(line => [...line].length))).toBeLessThanOrEqual(60)
  })

  it('uses no colour with NO_COLOR, and none off a terminal', async () => {
    const stream = recordingStream({ tty: true })
    await phases(new TerminalUi({ stream, verbose: false, env: { NO_COLOR: '1' } }))
    expect(stream.text).not.toMatch(COLOUR)
    expect(stream.text).toContain('\x1b[?25l')
    expect(styleFor(recordingStream(), {}).good('x')).toBe('x')
    expect(styleFor(recordingStream({ tty: true }), { TERM: 'dumb' }).good('x')).toBe('x')
    expect(styleFor(recordingStream({ tty: true }), {}).good('x')).toMatch(COLOUR)
  })
})

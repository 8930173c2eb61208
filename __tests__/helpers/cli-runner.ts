// Runs the bundled `aio-image` command as a user would: over plain pipes
// (a CI log) or in a real pseudo-terminal (util-linux `script`).
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { shellQuote, shellWords } from '../../src/render/escape.js'
import { ROOT } from './action-runner.js'

export const CLI = path.join(ROOT, 'dist', 'cli', 'index.js')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  /** Called with the child once started, e.g. to signal it. */
  started?: (child: ChildProcess, output: { stderr: () => string }) => void
  /**
   * The command leads its own process group, which `process.kill(-pid)`
   * signals whole, `docker` children included, as a terminal's Ctrl-C does.
   */
  ownProcessGroup?: boolean
}

function environment(extra: CliOptions['env']): NodeJS.ProcessEnv {
  // Not a GitHub runner: no GITHUB_* variables leak into labels.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(GITHUB_|RUNNER_|NO_COLOR$)/.test(key))
  )
  return { ...env, ...extra }
}

function collect(child: ChildProcess, options: CliOptions): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', chunk => (stdout += chunk))
  child.stderr?.on('data', chunk => (stderr += chunk))
  options.started?.(child, { stderr: () => stderr })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, stderr }))
  })
}

/** `aio-image ARGS` with stdout and stderr on pipes, as in CI. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: environment(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false
  })
  return collect(child, options)
}

/** `aio-image ARGS` on a pseudo-terminal; `stdout` holds everything the terminal showed. */
export function runCliInTerminal(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const command = `${shellQuote(process.execPath)} ${shellQuote(CLI)} ${shellWords(args)}`
  // -e: exit with the command's code; -f: flush as it comes; -q: no banner.
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: options.cwd ?? ROOT,
    env: environment(options.env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  return collect(child, options)
}

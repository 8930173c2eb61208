// Runs the bundled action the way a GitHub runner runs a JavaScript action:
// `node dist/index.js` with INPUT_* variables and the GITHUB_OUTPUT,
// GITHUB_STATE and GITHUB_STEP_SUMMARY files, then the post step with the
// saved state as STATE_* variables.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './tmp.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const ENTRY = path.join(ROOT, 'dist', 'index.js')

export interface StepResult {
  exitCode: number
  log: string
  seconds: number
}

export interface ActionRun extends StepResult {
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  runnerTemp: string
}

/** Parses a file command file: `name<<delimiter` blocks and `name=value` lines. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      values[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      values[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return values
}

function step(env: Record<string, string>, cwd: string): Promise<StepResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    child.stdout.on('data', chunk => (log += chunk))
    child.stderr.on('data', chunk => (log += chunk))
    child.on('error', reject)
    child.on('close', code =>
      resolve({ exitCode: code ?? 1, log, seconds: (Date.now() - started) / 1000 })
    )
  })
}

/** This process's environment without its GitHub variables (when the tests themselves run on a runner). */
export function withoutRunnerVariables(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(GITHUB_|INPUT_|STATE_|RUNNER_)/.test(key)) env[key] = value
  }
  return env
}

/** The environment a runner gives every step, without this process's GitHub variables. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  return { ...withoutRunnerVariables(), ...extra }
}

export async function runAction(
  inputs: Record<string, string>,
  options: { cwd?: string; env?: Record<string, string> } = {}
): Promise<ActionRun> {
  const runnerTemp = tempDir('aio-runner-')
  const files = { output: 'output', state: 'state', summary: 'summary' }
  for (const file of Object.values(files)) fs.writeFileSync(path.join(runnerTemp, file), '')
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
      value
    ])
  )
  const result = await step(
    baseEnv({
      ...options.env,
      ...inputEnv,
      RUNNER_TEMP: runnerTemp,
      GITHUB_OUTPUT: path.join(runnerTemp, files.output),
      GITHUB_STATE: path.join(runnerTemp, files.state),
      GITHUB_STEP_SUMMARY: path.join(runnerTemp, files.summary),
      GITHUB_ACTIONS: 'true'
    }),
    options.cwd ?? ROOT
  )
  const read = (file: string) => fs.readFileSync(path.join(runnerTemp, file), 'utf8')
  return {
    ...result,
    outputs: parseFileCommands(read(files.output)),
    state: parseFileCommands(read(files.state)),
    summary: read(files.summary),
    runnerTemp
  }
}

/**
 * The post step of a run, as the runner starts it at the end of the job;
 * with what it left in RUNNER_TEMP, which is removed then.
 */
export async function runPost(
  run: ActionRun,
  options: { cwd?: string } = {}
): Promise<StepResult & { leftInRunnerTemp: string[] }> {
  const stateEnv = Object.fromEntries(
    Object.entries(run.state).map(([name, value]) => [`STATE_${name}`, value])
  )
  const result = await step(
    baseEnv({ ...stateEnv, RUNNER_TEMP: run.runnerTemp, GITHUB_ACTIONS: 'true' }),
    options.cwd ?? ROOT
  )
  const leftInRunnerTemp = fs.readdirSync(run.runnerTemp)
  fs.rmSync(run.runnerTemp, { recursive: true, force: true })
  return { ...result, leftInRunnerTemp }
}

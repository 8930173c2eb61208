// The CLI's command line and its front end, in process and without Docker:
// parsing, help, exit codes for bad input, and the commands that need no engine.
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { helpText, parseCommandLine, UsageError, type CliArgs } from '../../src/cli/args.js'
import { main } from '../../src/cli/main.js'
import { loadSpecs, SPEC_INPUTS } from '../../src/spec/inputs.js'
import { ACTION_ROOT } from '../../src/paths.js'
import { fieldDescription } from '../../src/spec/validate.js'
import { recordingStream } from '../helpers/stream.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

async function cli(argv: string[], cwd: string) {
  const io = { stdout: recordingStream(), stderr: recordingStream(), env: {}, cwd }
  const code = await main(argv, io)
  return { code, stdout: io.stdout.text, stderr: io.stderr.text }
}

describe('parseCommandLine', () => {
  // Repeated list flags add up; KEY=VALUE values keep their commas.
  const listFlags = [
    ...['--app-packages', 'python3,curl', '--app-packages', 'python3-psycopg'],
    ...['--run-env', 'GREETING=hello, world', '--run-env', 'DEBUG=1'],
    ...['--secrets', 'NPM_TOKEN= t0k3n,x ', '--secrets', 'GH_TOKEN=g']
  ]

  it('reads spec flags into the text an action input would carry', () => {
    const args = parseCommandLine([
      ...['verify', '--config', 'app/aio.yml', ...listFlags],
      ...['--app-port', '8000', '--app-port=9000', '--json', '-v']
    ]) as CliArgs
    expect(args).toMatchObject({ command: 'verify', json: true, verbose: true, out: '.aio' })
    expect(args.inputs).toEqual({
      config: 'app/aio.yml',
      variant: '',
      'app-packages': 'python3,curl\npython3-psycopg',
      'run-env': 'GREETING=hello, world\nDEBUG=1',
      secrets: 'NPM_TOKEN= t0k3n,x \nGH_TOKEN=g',
      'app-port': '9000'
    })
  })

  it('turns them into the spec through the same converter and schema as the action', () => {
    const dir = tempDir('aio-cli-')
    const args = parseCommandLine([
      ...['build', '--app-command', 'exec python3 app.py', ...listFlags, '--verify', 'false']
    ]) as CliArgs
    const [spec] = loadSpecs(name => args.inputs[name] ?? '', dir, 'Demo App')
    expect(spec).toMatchObject({
      name: 'demo-app',
      verify: false,
      app: { packages: ['python3', 'curl', 'python3-psycopg'] },
      runEnv: { GREETING: 'hello, world', DEBUG: '1' },
      buildPush: {
        secrets: [
          { id: 'NPM_TOKEN', source: { kind: 'value', value: ' t0k3n,x ' } },
          { id: 'GH_TOKEN', source: { kind: 'value', value: 'g' } }
        ]
      }
    })
  })

  it.each([
    [['deploy'], 'unknown command "deploy"; expected one of init, render, build, verify, run'],
    [[], 'no command given'],
    [['run', '--max-image-sise', '1MB'], "Unknown option '--max-image-sise'"],
    [['run', 'extra'], 'unexpected argument "extra"'],
    [['run', '--app-port'], "Option '--app-port <value>' argument missing"]
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError)
    expect(() => parseCommandLine(argv)).toThrow(message)
  })
})

describe('help', () => {
  it('lists every spec input as a flag, described by action.yml or else the schema', () => {
    const action = YAML.parse(fs.readFileSync(path.join(ACTION_ROOT, 'action.yml'), 'utf8'))
    const help = helpText().replace(/\n\s+/g, ' ')
    for (const input of SPEC_INPUTS) {
      expect(help).toContain(`--${input.name} `)
      expect(help).toContain(action.inputs[input.name]?.description ?? fieldDescription(input.name))
    }
    for (const text of ['Exit codes:', 'Examples:', 'aio-image init', '--json', '--verbose'])
      expect(help).toContain(text)
  })

  it('is printed by --help with exit code 0', async () => {
    const result = await cli(['run', '--help'], tempDir())
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: aio-image <command> [flags]')
  })
})

describe('main', () => {
  it('exits 2 on a usage error, pointing at --help', async () => {
    const result = await cli(['bulid'], tempDir())
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toContain('Run `aio-image --help` for usage.')
  })

  it('exits 2 on a bad flag value, naming it, before anything is rendered', async () => {
    const dir = tempDir('aio-cli-')
    const result = await cli(['render', '--app-command', 'exec ./app', '--app-port', 'eighty'], dir)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'input `app-port`: "eighty" is not allowed; expected an integer'
    )
    expect(fs.existsSync(path.join(dir, '.aio'))).toBe(false)
  })

  it('exits 2 on a spec file that does not exist', async () => {
    const result = await cli(['verify', '--config', 'nope.yml'], tempDir())
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('input `config`: "nope.yml" does not exist')
  })

  it('renders into .aio/rendered, keeping its own directory out of the app files', async () => {
    const dir = tempDir('aio-cli-')
    writeFiles(dir, { 'app.py': 'print("hi")\n', '.aio/report.json': '{}' })
    const result = await cli(['render', '--json', '--app-command', 'exec python3 app.py'], dir)
    expect(result.code).toBe(0)
    const rendered = path.join(dir, '.aio', 'rendered')
    expect(JSON.parse(result.stdout)).toEqual({ renderedDir: rendered })
    expect(fs.existsSync(path.join(rendered, 'Dockerfile'))).toBe(true)
    expect(fs.readdirSync(path.join(rendered, 'app'))).toEqual(['app.py'])
    // progress went to stderr, one plain line per event
    expect(result.stderr).toMatch(/^▸ Render\n {2}\d+ files in .*\n✔ Render \(\d+\.\d s\)\n$/)
  })

  it('builds one variant of a spec file at a time, chosen with --variant', async () => {
    const dir = tempDir('aio-cli-')
    writeFiles(dir, {
      'aio.yml':
        'name: hive\napp-command: exec ./app\nvariants:\n  genie: { app-port: 48886 }\n  agent: { app-port: 38886 }\n',
      app: ''
    })
    const both = await cli(['render'], dir)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain(
      'the spec file has 2 variants (genie, agent): select one with --variant'
    )
    const agent = await cli(['render', '--variant', 'agent'], dir)
    expect(agent.code).toBe(0)
    expect(fs.readFileSync(path.join(dir, '.aio', 'rendered', 'Dockerfile'), 'utf8')).toContain(
      'EXPOSE 38886'
    )
  })

  it('writes the rendered context wherever --out says', async () => {
    const dir = tempDir('aio-cli-')
    const result = await cli(['render', '--out', 'build/aio', '--app-command', 'exec ./app'], dir)
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe(path.join(dir, 'build', 'aio', 'rendered'))
  })
})

/* eslint-disable no-control-regex -- terminal output is matched escape sequence by escape sequence */
// The `aio-image` command end to end, driven as a user drives it: the bundled
// CLI over plain pipes (CI) and in a pseudo-terminal, on a real engine.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { resolveSpec } from '../../src/spec/load.js'
import { ROOT } from '../helpers/action-runner.js'
import { runCli, runCliInTerminal, type CliRun } from '../helpers/cli-runner.js'
import { docker, dockerStatus } from '../helpers/docker.js'
import { MISSING_LOCKFILES, PROJECTS } from '../helpers/projects.js'
import { TestRegistry } from '../helpers/registry.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const NOTES = path.join(ROOT, 'examples', 'notes')
const NOTES_SPEC = path.join(NOTES, 'aio.yml')
const BUILD_TIMEOUT = 15 * 60_000
const ESCAPE = /\x1b\[/
const COLOUR = /\x1b\[3\dm/

function runIdOf(run: CliRun): string {
  const match = /^run ([0-9a-f]{12}) on Docker engine/m.exec(run.stderr)
  if (!match) throw new Error(`no run id in:\n${run.stderr}`)
  return match[1]
}

async function leftovers(runId: string): Promise<string> {
  const label = `label=aio-image.run=${runId}`
  return `${await docker('ps', '-aq', '--filter', label)}${await docker('volume', 'ls', '-q', '--filter', label)}`
}

describe('init then run on a project, over pipes as in CI', () => {
  const project = tempDir('aio-i7-notes-')
  let init: CliRun
  let run: CliRun

  beforeAll(async () => {
    // The notes example without its aio.yml: what a newcomer starts from.
    fs.copyFileSync(path.join(NOTES, 'app.py'), path.join(project, 'app.py'))
    init = await runCli(['init'], { cwd: project })
    run = await runCli(['run', '--tags', 'aio-i7-cli:notes', '--idle-settle', '1s'], {
      cwd: project
    })
  }, BUILD_TIMEOUT)

  it('init writes a starter aio.yml for the Python app', () => {
    expect(init).toMatchObject({ code: 0, stderr: '' })
    expect(init.stdout).toContain('wrote aio.yml for a python project (from app.py)')
    const fields = YAML.parse(fs.readFileSync(path.join(project, 'aio.yml'), 'utf8'))
    expect(fields).toMatchObject({
      'app-command': 'exec python3 app.py',
      'app-port': 8000,
      'health-path': '/health',
      'app-packages': ['python3', 'python3-psycopg'],
      'postgres-version': 17
    })
  })

  it('run builds, boots and measures what init wrote, and passes', () => {
    if (run.code !== 0) throw new Error(`${run.stderr}\n${run.stdout}`)
    expect(run.stdout).toMatch(/^aio-image: aio-i7-notes-\w+ passed$/m)
    expect(run.stdout).toMatch(/^Image size +400\.0 MB +[\d.]+ MB +pass$/m)
    expect(run.stdout).toMatch(/^first boot to ready +\d+\.\d{3} s$/m)
    expect(run.stdout).toMatch(/^ {2}[\d.]+ MiB +10001 +python3 app\.py$/m)
    const report = JSON.parse(fs.readFileSync(path.join(project, '.aio', 'report.json'), 'utf8'))
    expect(report).toMatchObject({
      version: 1,
      passed: true,
      image: { tags: ['aio-i7-cli:notes'] }
    })
  })

  it('logs one plain line per event on stderr, the build log folded away', () => {
    for (const phase of ['Render', 'Build aio-i7-cli:notes', 'Boot and measure']) {
      expect(run.stderr).toContain(`▸ ${phase}\n`)
      expect(run.stderr).toMatch(new RegExp(`^✔ ${phase} \\(\\d+\\.\\d s\\)$`, 'm'))
    }
    expect(run.stderr).toMatch(/^ {2}first boot: ready in \d+\.\d{3} s$/m)
    expect(run.stderr).not.toContain('docker buildx build')
    expect(run.stderr).not.toMatch(ESCAPE)
    expect(run.stdout).not.toMatch(ESCAPE)
  })

  it('keeps its work dir out of the image and leaves no container or volume behind', async () => {
    expect(fs.readdirSync(path.join(project, '.aio', 'rendered', 'app')).sort()).toEqual([
      '.dockerignore',
      'aio.yml',
      'app.py'
    ])
    expect(await leftovers(runIdOf(run))).toBe('')
  })
})

describe('in a terminal', () => {
  // Flags only, no spec file; no boot, so that the image is only measured.
  const args = [
    'verify',
    ...['--context', NOTES, '--app-command', 'exec python3 app.py'],
    ...['--app-packages', 'python3,python3-psycopg', '--name', 'notes'],
    ...['--tags', 'aio-i7-cli:tty', '--verify', 'false']
  ]

  it(
    'shows a spinner per phase and a coloured report, and exits 1 on a missed budget',
    async () => {
      const run = await runCliInTerminal([...args, '--max-image-size', '10MB'])
      if (run.code !== 1) throw new Error(run.stdout)
      const screen = run.stdout
      expect(screen).toContain('\x1b[?25l')
      expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Build aio-i7-cli:tty \d+\.\d s/)
      expect(screen).toMatch(/✔\x1b\[39m Build aio-i7-cli:tty \x1b\[2m\(\d+\.\d s\)/)
      expect(screen).toMatch(/\x1b\[31mFAIL: over by [\d.]+ MB \([\d.]+%\)\x1b\[39m/)
      expect(screen).toMatch(/✖\x1b\[39m Image size: [\d.]+ MB \(budget 10\.0 MB\), over by/)
      expect(screen).toContain('\x1b[?25h')
    },
    BUILD_TIMEOUT
  )

  it(
    'uses no colour with NO_COLOR, and passes with fail-on-budget false',
    async () => {
      const run = await runCliInTerminal(
        [...args, '--max-image-size', '10MB', '--fail-on-budget', 'false'],
        { env: { NO_COLOR: '1' } }
      )
      if (run.code !== 0) throw new Error(run.stdout)
      expect(run.stdout).toMatch(/✔ Render/)
      expect(run.stdout).not.toMatch(COLOUR)
      expect(run.stdout).toMatch(/! Image size: [\d.]+ MB \(budget 10\.0 MB\), over by/)
    },
    BUILD_TIMEOUT
  )
})

describe('build', () => {
  it(
    'prints the image as JSON on stdout and, with --verbose, the build log on stderr',
    async () => {
      const run = await runCli([
        'build',
        '--config',
        NOTES_SPEC,
        '--tags',
        'aio-i7-cli:build',
        '--json',
        '--verbose'
      ])
      if (run.code !== 0) throw new Error(run.stderr)
      const result = JSON.parse(run.stdout)
      expect(result).toMatchObject({ imageId: expect.stringMatching(/^sha256:/) })
      expect(result.tags).toEqual(['aio-i7-cli:build'])
      expect(run.stderr).toMatch(/^ {2}│ docker buildx build --load /m)
      expect(run.stderr).toMatch(/^ {2}│ #\d+ DONE/m)
      expect(await docker('image', 'inspect', '-f', '{{.Id}}', 'aio-i7-cli:build')).toBe(
        result.imageId
      )
    },
    BUILD_TIMEOUT
  )
})

describe('push', () => {
  let registry: TestRegistry
  const repository = 'aio-i7/notes'
  const tag = () => `${registry.host}/${repository}:cli`

  beforeAll(async () => {
    registry = await TestRegistry.start()
  }, 60_000)

  afterAll(async () => {
    await registry?.stop()
    if (registry) await dockerStatus('image', 'rm', tag())
  })

  it(
    'run pushes the tags as the action does; verify never pushes',
    async () => {
      const flags = [
        ...['--context', NOTES, '--app-command', 'exec python3 app.py', '--name', 'notes'],
        ...['--app-packages', 'python3,python3-psycopg', '--verify', 'false'],
        ...['--push', 'true', '--tags', tag(), '--json']
      ]
      const env = { DOCKER_CONFIG: registry.dockerConfig }
      const verify = await runCli(['verify', ...flags], { env })
      if (verify.code !== 0) throw new Error(verify.stderr)
      expect(JSON.parse(verify.stdout).push).toBeUndefined()
      expect(await registry.manifestDigest(repository, 'cli')).toBeUndefined()

      const run = await runCli(['run', ...flags], { env })
      if (run.code !== 0) throw new Error(run.stderr)
      const { push } = JSON.parse(run.stdout)
      expect(push).toMatchObject({ pushed: true, tags: [{ tag: tag() }] })
      expect(await registry.manifestDigest(repository, 'cli')).toBe(push.digest)
      expect(run.stderr).toMatch(new RegExp(`^✔ Push ${tag()} \\(\\d+\\.\\d s\\)$`, 'm'))
    },
    BUILD_TIMEOUT
  )

  it(
    'ends the push phase as failed, with no check mark, when the registry refuses the credentials',
    async () => {
      const denied = `${registry.host}/${repository}:denied`
      const flags = [
        ...['--context', NOTES, '--app-command', 'exec python3 app.py', '--name', 'notes'],
        ...['--app-packages', 'python3,python3-psycopg', '--verify', 'false'],
        ...['--push', 'true', '--tags', denied]
      ]
      // A docker config without the registry's login: the push is refused.
      const run = await runCli(['run', ...flags], { env: { DOCKER_CONFIG: tempDir('aio-i12-') } })
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(new RegExp(`^✖ Push ${denied} \\(\\d+\\.\\d s\\)$`, 'm'))
      expect(run.stderr).not.toMatch(/^✔ Push/m)
      expect(run.stderr).toMatch(/push failed \(log in to the registry first/)
      expect(await registry.manifestDigest(repository, 'denied')).toBeUndefined()
      await dockerStatus('image', 'rm', denied)
    },
    BUILD_TIMEOUT
  )
})

describe('interrupted', () => {
  interface Interruption {
    /** Sent once stderr matches `after`, in the order given. */
    after: RegExp
    signal: NodeJS.Signals
  }

  /**
   * `aio-image verify` on the notes example, sent `interruptions` as its
   * progress shows them; killed after 5 minutes (the boot takes seconds).
   */
  async function verifyInterrupted(
    tag: string,
    interruptions: Interruption[],
    options: { ownProcessGroup?: boolean } = {}
  ): Promise<{ run: CliRun; sent: NodeJS.Signals[] }> {
    const sent: NodeJS.Signals[] = []
    const run = await runCli(
      ['verify', '--config', NOTES_SPEC, '--tags', tag, '--idle-settle', '60s'],
      {
        ownProcessGroup: options.ownProcessGroup,
        started: (child, output) => {
          const send = (signal: NodeJS.Signals) =>
            options.ownProcessGroup
              ? process.kill(-(child.pid as number), signal)
              : child.kill(signal)
          child.stderr?.on('data', () => {
            const next = interruptions[sent.length]
            if (next && next.after.test(output.stderr())) {
              sent.push(next.signal)
              send(next.signal)
            }
          })
          const limit = setTimeout(() => send('SIGKILL'), 5 * 60_000)
          child.on('close', () => clearTimeout(limit))
        }
      }
    )
    return { run, sent }
  }

  it(
    'removes the containers and volumes of its run on SIGINT and exits 130',
    async () => {
      const { run, sent } = await verifyInterrupted('aio-i7-cli:sigint', [
        { after: /first boot: ready/, signal: 'SIGINT' }
      ])
      expect(sent).toEqual(['SIGINT'])
      expect(run.code).toBe(130)
      expect(run.stderr).toContain('SIGINT: removing the containers and volumes of this run')
      expect(await leftovers(runIdOf(run))).toBe('')
    },
    BUILD_TIMEOUT
  )

  it(
    'finishes the removal when a second Ctrl-C reaches it and its docker commands, then exits 130',
    async () => {
      const { run, sent } = await verifyInterrupted(
        'aio-i7-cli:sigint-twice',
        [
          { after: /first boot: ready/, signal: 'SIGINT' },
          // While the removal runs: a Ctrl-C signals the whole process group.
          { after: /SIGINT: removing the containers and volumes of this run/, signal: 'SIGINT' }
        ],
        { ownProcessGroup: true }
      )
      expect(sent).toEqual(['SIGINT', 'SIGINT'])
      expect(run.code).toBe(130)
      expect(run.stderr).toContain('SIGINT: still removing the containers and volumes of this run')
      expect(await leftovers(runIdOf(run))).toBe('')
    },
    BUILD_TIMEOUT
  )
})

describe('bad input or environment', () => {
  it('exits 2 naming the flag, and builds nothing', async () => {
    const run = await runCli([
      'run',
      '--config',
      NOTES_SPEC,
      '--tags',
      'aio-i7-cli:never',
      '--supervisor',
      'runit'
    ])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      'input `supervisor`: "runit" is not allowed; expected supervisord or s6'
    )
    expect((await dockerStatus('image', 'inspect', 'aio-i7-cli:never')).code).not.toBe(0)
  })

  it.each([
    ['no docker command', { PATH: tempDir('aio-no-docker-') }],
    ['no daemon answering', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }]
  ])('exits 2 with %s, while render still works', async (_, env) => {
    const build = await runCli(['build', '--config', NOTES_SPEC], { env })
    expect(build.code).toBe(2)
    expect(build.stderr).toContain('error: the Docker engine is not available')
    const out = tempDir('aio-i7-out-')
    const render = await runCli(['render', '--config', NOTES_SPEC, '--out', out], { env })
    expect(render).toMatchObject({ code: 0, stdout: `${path.join(out, 'rendered')}\n` })
  })
})

describe('init on projects of each kind', () => {
  it.each(Object.keys(PROJECTS))('%s', async kind => {
    const dir = tempDir(`aio-init-${kind}-`)
    writeFiles(dir, PROJECTS[kind])
    const first = await runCli(['init', '--json'], { cwd: dir })
    expect(first.code).toBe(0)
    const file = path.join(dir, 'aio.yml')
    expect(JSON.parse(first.stdout)).toMatchObject({ file })
    // valid against the schema, as the pipeline reads it, once the lockfile init asks for is there
    const resolve = () =>
      resolveSpec({
        file: { path: file, fields: YAML.parse(fs.readFileSync(file, 'utf8')) },
        inputs: {},
        workingDir: dir,
        defaultName: kind
      })
    const lockfile = MISSING_LOCKFILES[kind]
    if (lockfile) {
      expect(resolve).toThrow(lockfile)
      writeFiles(dir, { [lockfile]: '' })
    }
    resolve()
    const again = await runCli(['init'], { cwd: dir })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('already exists; use --force to replace it')
    expect((await runCli(['init', '--force'], { cwd: dir })).code).toBe(0)
  })
})

describe('installed', () => {
  it('runs with npx from the repository', () => {
    const output = execFileSync('npx', ['--no-install', 'aio-image', '--version'], {
      cwd: ROOT,
      encoding: 'utf8'
    })
    expect(output.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('runs after npm install -g', () => {
    const prefix = tempDir('aio-global-')
    execFileSync('npm', ['install', '--global', '--prefix', prefix, ROOT], { stdio: 'ignore' })
    const help = execFileSync(path.join(prefix, 'bin', 'aio-image'), ['--help'], {
      cwd: prefix,
      encoding: 'utf8'
    })
    expect(help).toContain('Usage: aio-image <command> [flags]')
  }, 120_000)
})

import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import {
  debianPythonPackage,
  detectProject,
  InitError,
  SCHEMA_URL,
  starterSpec,
  writeStarterSpec
} from '../../src/cli/init.js'
import { main } from '../../src/cli/main.js'
import { copyContext } from '../../src/render/context.js'
import { resolveSpec } from '../../src/spec/load.js'
import { SpecError } from '../../src/spec/types.js'
import { MISSING_LOCKFILES, PROJECTS } from '../helpers/projects.js'
import { recordingStream } from '../helpers/stream.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

function project(kind: string): string {
  const dir = tempDir(`aio-init-${kind}-`)
  writeFiles(dir, PROJECTS[kind])
  return dir
}

/** `aio-image init` in `dir`, in process. */
async function init(dir: string, ...flags: string[]) {
  const io = { stdout: recordingStream(), stderr: recordingStream(), env: {}, cwd: dir }
  const code = await main(['init', ...flags], io)
  return { code, stdout: io.stdout.text, stderr: io.stderr.text }
}

const readSpec = (dir: string) => fs.readFileSync(path.join(dir, 'aio.yml'), 'utf8')

/** The comments of a YAML text as one line: sentences wrapped over several lines read whole. */
const comments = (text: string) =>
  text
    .split('\n')
    .filter(line => line.trimStart().startsWith('#'))
    .map(line => line.replace(/^\s*#\s*(?:- )?/, ''))
    .join(' ')

const resolveIn = (dir: string, text: string) =>
  resolveSpec({
    file: { path: path.join(dir, 'aio.yml'), fields: YAML.parse(text) },
    inputs: {},
    workingDir: dir,
    defaultName: 'x'
  })

describe('detectProject', () => {
  it.each([
    [
      // The pins: pip installs them into the venv, none becomes a python3-* package.
      'requirements',
      {
        kind: 'python',
        found: ['requirements.txt'],
        runtime: 'python',
        packageManager: 'pip',
        command: 'exec uvicorn main:app --host 0.0.0.0 --port 8000',
        port: 8000,
        healthPath: '/health',
        // psycopg[binary] bundles its libpq
        packages: [],
        databaseDriver: 'psycopg',
        warnings: []
      }
    ],
    [
      'uv',
      {
        kind: 'python',
        name: 'inventory',
        found: ['uv.lock', 'pyproject.toml'],
        runtime: 'python',
        packageManager: 'uv',
        // the venv's bin/ is on PATH: no `uv run`
        command: 'exec uvicorn main:app --host 0.0.0.0 --port 8000',
        packages: ['libpq5'],
        databaseDriver: 'psycopg',
        warnings: []
      }
    ],
    [
      'flask',
      {
        kind: 'python',
        packageManager: 'pip',
        // the source's own default port, for the server and the spec alike
        command: 'exec flask --app app run --host 0.0.0.0 --port 5000',
        port: 5000,
        packages: [],
        // the install step sees requirements.txt alone
        warnings: [expect.stringContaining('requirements.txt reads dev.txt')]
      }
    ],
    [
      'node',
      {
        kind: 'node',
        name: 'shop-api',
        found: ['package-lock.json', 'package.json'],
        runtime: 'node',
        packageManager: 'npm',
        command: 'exec node src/server.js',
        port: 3000,
        healthPath: '/healthz',
        packages: [],
        databaseDriver: 'pg',
        warnings: []
      }
    ],
    [
      'pnpm',
      {
        packageManager: 'pnpm',
        // `main` over a start script that is no `node` command
        command: 'exec node server.js',
        port: 8081,
        databaseDriver: 'postgres'
      }
    ],
    [
      'bun',
      {
        packageManager: 'bun',
        // the start script without npm, its variables before `exec`
        command: 'NODE_ENV=production exec node feed.js',
        packages: []
      }
    ],
    [
      'elixir',
      {
        kind: 'elixir',
        name: 'chat',
        found: ['mix.exs', 'mix.lock'],
        runtime: 'elixir',
        packageManager: 'mix',
        command: 'exec bin/chat start',
        port: 4000,
        migrate: { command: 'bin/chat eval "Chat.Release.migrate()"' },
        databaseDriver: 'postgrex',
        warnings: []
      }
    ],
    [
      'go',
      {
        kind: 'go',
        name: 'ledger',
        found: ['go.mod', 'go.sum'],
        runtime: 'go',
        packageManager: 'go',
        command: 'exec bin/ledger',
        port: 9090,
        healthPath: '/healthz',
        packages: ['ca-certificates'],
        databaseDriver: 'github.com/jackc/pgx',
        warnings: []
      }
    ],
    [
      'script',
      {
        kind: 'python',
        found: ['app.py'],
        command: 'exec python3 app.py',
        packages: ['python3', 'python3-psycopg'],
        warnings: []
      }
    ],
    [
      'dockerfile',
      {
        kind: 'dockerfile',
        command: "exec python3 serve.py --greeting 'hello world'",
        port: 5000,
        packages: ['python3']
      }
    ],
    ['empty', { kind: 'unknown', command: 'exec ./start', healthPath: '/', packages: [] }]
  ])('%s', (kind, expected) => {
    expect(detectProject(project(kind))).toMatchObject(expected)
  })

  it('maps no pinned dependency to a Debian package', () => {
    for (const kind of ['requirements', 'uv', 'flask', 'pyproject']) {
      expect(
        detectProject(project(kind)).packages.filter(name => name.startsWith('python3-'))
      ).toEqual([])
    }
  })

  it('gives a script with no manifest, which pins nothing, Debian packages and says so', () => {
    const { runtime, notes } = detectProject(project('script'))
    expect(runtime).toBeUndefined()
    expect(notes.join(' ')).toContain("the script's imports come from Debian's python3-* packages")
  })

  it('takes the command and port of a Dockerfile over the manifest guesses', () => {
    const dir = project('node')
    writeFiles(dir, { Dockerfile: 'FROM node:20\nEXPOSE 8080\nCMD node src/server.js --cluster\n' })
    expect(detectProject(dir)).toMatchObject({
      kind: 'node',
      found: ['package-lock.json', 'package.json', 'Dockerfile'],
      command: 'exec node src/server.js --cluster',
      port: 8080
    })
  })

  it('runs no package manager at run time, whatever the Dockerfile says', () => {
    const uv = project('uv')
    writeFiles(uv, { Dockerfile: 'FROM python:3.12\nCMD ["uv", "run", "python", "main.py"]\n' })
    expect(detectProject(uv).command).toBe('exec python main.py')
    const node = project('node')
    writeFiles(node, { Dockerfile: 'FROM node:20\nCMD ["npm", "start"]\n' })
    expect(detectProject(node).command).toBe('exec node src/server.js')
  })

  it('starts Phoenix in a release, and says so when no release module migrates', () => {
    const dir = project('elixir')
    expect(detectProject(dir).env).toContainEqual(
      expect.objectContaining({ name: 'PHX_SERVER', value: 'true' })
    )
    fs.rmSync(path.join(dir, 'lib'), { recursive: true })
    const project_ = detectProject(dir)
    expect(project_.migrate).toBeUndefined()
    expect(project_.notes.join(' ')).toContain('`mix phx.gen.release` writes one')
  })

  it('serves Django with gunicorn when installed, and runs its migrations', () => {
    const dir = tempDir('aio-init-django-')
    writeFiles(dir, {
      'requirements.txt': 'Django==5.1.4\ngunicorn==23.0.0\npsycopg2==2.9.10\n',
      'manage.py': "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n"
    })
    expect(detectProject(dir)).toMatchObject({
      command: 'exec gunicorn --bind 0.0.0.0:8000 shop.wsgi',
      migrate: { command: 'python manage.py migrate --noinput' },
      // psycopg2 links the system's libpq
      packages: ['libpq5'],
      notes: []
    })
  })

  it("starts the first of a Go module's commands and names the others", () => {
    const dir = tempDir('aio-init-go-cmd-')
    const main = 'package main\nfunc main() {}\n'
    writeFiles(dir, {
      'go.mod': 'module example.com/tools/v2\n\ngo 1.22\n',
      'cmd/api/main.go': main,
      'cmd/worker/main.go': main
    })
    expect(detectProject(dir)).toMatchObject({
      name: 'tools',
      command: 'exec bin/api',
      notes: ['go builds api, worker into /app/bin: the command starts api.']
    })
  })

  it('maps PyPI names to Debian package names', () => {
    expect(debianPythonPackage('psycopg2-binary')).toBe('python3-psycopg2')
    expect(debianPythonPackage('beautifulsoup4')).toBe('python3-bs4')
    expect(debianPythonPackage('requests')).toBe('python3-requests')
  })
})

describe('a project without its lockfile', () => {
  it.each([
    [
      'node-unlocked',
      {},
      'package.json has no package-lock.json',
      'npm install --package-lock-only'
    ],
    ['pyproject', {}, 'pyproject.toml has no uv.lock', 'uv lock'],
    [
      'pyproject',
      { 'pyproject.toml': '[tool.poetry]\nname = "inventory"\n' },
      'pyproject.toml has no poetry.lock',
      'poetry lock'
    ]
  ])(
    '%s %j: a spec all the same, and a warning naming the command',
    async (kind, files, says, command) => {
      const dir = project(kind)
      writeFiles(dir, files)
      const run = await init(dir)
      expect(run.code).toBe(0)
      const warning = run.stdout.split('\n').find(line => line.startsWith('warning: '))
      expect(warning).toContain(says)
      expect(warning).toContain(`create it with \`${command}\``)
      expect(comments(readSpec(dir))).toContain(warning!.replace('warning: ', ''))
    }
  )

  it('is written with its runtime, which the build refuses until the lockfile exists', async () => {
    const dir = project('node-unlocked')
    await init(dir)
    const text = readSpec(dir)
    expect(YAML.parse(text)).toMatchObject({ 'app-runtime': 'node', 'app-package-manager': 'npm' })
    expect(() => resolveIn(dir, text)).toThrow(/package-lock\.json/)
    writeFiles(dir, { 'package-lock.json': '{"lockfileVersion": 3}' })
    expect(resolveIn(dir, text).app.dependencies).toEqual({
      runtime: 'node',
      packageManager: 'npm',
      files: ['package-lock.json', 'package.json']
    })
  })
})

describe('--debian-packages', () => {
  it('takes Python dependencies from Debian and says which pins it cannot honour', async () => {
    const dir = project('requirements')
    const run = await init(dir, '--debian-packages')
    expect(run.code).toBe(0)
    const pin =
      'requirements.txt pins fastapi==0.115.6; python3-fastapi is the version Debian trixie carries, not the pin.'
    expect(run.stdout).toContain(`warning: ${pin}`)
    const text = readSpec(dir)
    expect(comments(text)).toContain(pin)
    for (const pinned of ['uvicorn[standard]==0.32.1', 'psycopg[binary]==3.2.3', 'authlib==1.3.2'])
      expect(run.stdout).toContain(`requirements.txt pins ${pinned}; `)
    const fields = YAML.parse(text)
    expect(fields['app-runtime']).toBeUndefined()
    expect(fields).toMatchObject({
      'app-command': 'exec python3 -m uvicorn main:app --host 0.0.0.0 --port 8000',
      'app-packages': [
        'python3',
        'python3-fastapi',
        'python3-uvicorn',
        'python3-psycopg',
        'python3-authlib'
      ]
    })
  })

  it('names the lockfile pins of a uv project', () => {
    const { warnings } = detectProject(project('uv'), { debianPackages: true })
    expect(warnings).toContain(
      'uv.lock pins fastapi 0.115.6; python3-fastapi is the version Debian trixie carries, not the pin.'
    )
  })

  it('changes nothing but Python projects, and says so', () => {
    const { runtime, warnings } = detectProject(project('go'), { debianPackages: true })
    expect(runtime).toBe('go')
    expect(warnings.join(' ')).toContain('--debian-packages maps the dependencies of Python')
  })
})

describe('starterSpec', () => {
  it.each(Object.keys(PROJECTS))('%s: a valid spec with a $schema reference', kind => {
    const dir = project(kind)
    const text = starterSpec(detectProject(dir))
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`)
    const fields = YAML.parse(text) as Record<string, unknown>
    expect(fields.$schema).toBe(SCHEMA_URL)
    if (MISSING_LOCKFILES[kind]) {
      writeFiles(dir, { [MISSING_LOCKFILES[kind]]: '' })
    }
    // resolveSpec validates against schema/aio.schema.json and throws on any problem
    const spec = resolveIn(dir, text)
    expect(spec.context).toBe(dir)
    expect(spec.budgets.maxImageSize).toBeGreaterThan(0)
  })

  it('leaves the embedded database out when no driver was found', () => {
    const fields = YAML.parse(starterSpec(detectProject(project('pyproject'))))
    expect(fields['postgres-version']).toBe('none')
    expect(YAML.parse(starterSpec(detectProject(project('node'))))['postgres-version']).toBe(17)
  })

  it("writes a Phoenix release's environment and migrations", () => {
    const fields = YAML.parse(starterSpec(detectProject(project('elixir'))))
    expect(fields).toMatchObject({
      'app-runtime': 'elixir',
      'app-package-manager': 'mix',
      'app-env': { PHX_SERVER: 'true' },
      'migrate-command': 'bin/chat eval "Chat.Release.migrate()"'
    })
  })
})

describe('writeStarterSpec', () => {
  const options = { force: false, debianPackages: false }

  it('writes aio.yml and refuses to replace it without force', () => {
    const dir = project('go')
    const file = path.join(dir, 'aio.yml')
    writeStarterSpec(file, options)
    fs.writeFileSync(file, '# mine\n')
    expect(() => writeStarterSpec(file, options)).toThrow(InitError)
    expect(fs.readFileSync(file, 'utf8')).toBe('# mine\n')
    writeStarterSpec(file, { ...options, force: true })
    expect(fs.readFileSync(file, 'utf8')).toContain('app-command: "exec bin/ledger"')
  })

  it('never writes a spec the pipeline refuses for anything but the missing lockfile', () => {
    const dir = project('node')
    // a port the schema refuses
    writeFiles(dir, { Dockerfile: 'FROM node:20\nEXPOSE 70000\n' })
    expect(() => writeStarterSpec(path.join(dir, 'aio.yml'), options)).toThrow(SpecError)
    expect(fs.existsSync(path.join(dir, 'aio.yml'))).toBe(false)
  })
})

describe('.dockerignore', () => {
  it('is written beside aio.yml when the project has none, and leaves out what never belongs in the image', async () => {
    const dir = project('node')
    writeFiles(dir, {
      '.git/config': '',
      '.env': 'API_TOKEN=x',
      'api/.env.local': 'API_TOKEN=y',
      'node_modules/pg/index.js': '',
      '.aio/report.json': '{}',
      '.DS_Store': ''
    })
    const run = await init(dir)
    expect(run.stdout).toContain('wrote .dockerignore: ')
    // the files of the image's /app, as the renderer copies the context
    const app = tempDir('aio-init-app-')
    await copyContext(dir, app, [])
    const copied = fs.readdirSync(app, { recursive: true, withFileTypes: true })
    expect(
      copied
        .filter(entry => entry.isFile())
        .map(entry => path.relative(app, path.join(entry.parentPath, entry.name)))
        .sort()
    ).toEqual(['.dockerignore', 'aio.yml', 'package-lock.json', 'package.json', 'src/server.js'])
    // another runtime's outputs are none of this project's business
    const text = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')
    expect(text).not.toContain('_build')
    expect(text).not.toContain('.venv')
  })

  it('is kept as it is when the project has one', async () => {
    const dir = project('requirements')
    writeFiles(dir, { '.dockerignore': 'secrets/\n' })
    const run = await init(dir)
    expect(run.stdout).toContain('kept .dockerignore as it is')
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe('secrets/\n')
    const again = await init(dir, '--force', '--json')
    expect(JSON.parse(again.stdout).dockerignore).toEqual({
      file: path.join(dir, '.dockerignore'),
      written: false
    })
  })
})

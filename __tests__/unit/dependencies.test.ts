// The app's own package manager: which one a project's lockfile names, what
// is refused, and how the Dockerfile installs it (lockfile first, frozen,
// cache mounts, secrets in the install step only, PATH to what it made).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { envLines } from '../../src/render/dependencies.js'
import { renderArtifacts, writeBuildContext } from '../../src/render/render.js'
import { detectPackageManager, projectDependencies } from '../../src/spec/runtimes.js'
import { type Spec } from '../../src/spec/types.js'
import { specProblems, testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

/** A project directory holding `files` (empty contents). */
function project(...files: string[]): string {
  const dir = tempDir('aio-deps-')
  writeFiles(dir, Object.fromEntries(files.map(file => [file, '{}\n'])))
  return dir
}

const specIn = (dir: string, inputs: Record<string, unknown>) =>
  testSpec({ context: dir, ...inputs })

const dockerfileOf = (spec: Spec) =>
  renderArtifacts(spec).find(file => file.path === 'Dockerfile')?.content ?? ''

/** The Dockerfile's instructions, continuation lines joined. */
const instructions = (dockerfile: string) =>
  dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter(line => line !== '' && !line.startsWith('#'))

/** The instructions of one stage, FROM included. */
function stage(dockerfile: string, name: string): string[] {
  const lines = instructions(dockerfile)
  const start = lines.findIndex(line =>
    name === '' ? /^FROM \S+$/.test(line) : line.endsWith(` AS ${name}`)
  )
  const end = lines.findIndex((line, index) => index > start && line.startsWith('FROM '))
  return lines.slice(start, end === -1 ? undefined : end)
}

describe('which package manager a project uses', () => {
  it.each([
    [['uv.lock', 'pyproject.toml', 'requirements.txt'], 'uv'],
    [['poetry.lock', 'pyproject.toml'], 'poetry'],
    [['requirements.txt'], 'pip'],
    [['package.json', 'bun.lock', 'package-lock.json'], 'bun'],
    [['package.json', 'pnpm-lock.yaml'], 'pnpm'],
    [['package.json', 'yarn.lock'], 'yarn'],
    [['package.json', 'package-lock.json'], 'npm'],
    [['mix.exs'], 'mix'],
    [['go.mod'], 'go']
  ])('%j is %s', (files, manager) => {
    expect(detectPackageManager(project(...files))).toBe(manager)
  })

  it('copies the lockfile first, then the manifests that are there', () => {
    const dir = project('pyproject.toml', 'uv.lock', '.python-version')
    expect(projectDependencies(dir, 'python', undefined, 'f')).toEqual({
      runtime: 'python',
      packageManager: 'uv',
      files: ['uv.lock', 'pyproject.toml', '.python-version']
    })
  })

  it('refuses a project with no lockfile to freeze to, naming what it looks for', () => {
    const dir = project('package.json')
    expect(specProblems(() => specIn(dir, { 'app-runtime': 'node' }))).toEqual([
      `input \`app-runtime\`: node needs a lockfile to install from, and ${fs.realpathSync(dir)} has none; expected one of bun.lock or bun.lockb (bun), pnpm-lock.yaml (pnpm), yarn.lock (yarn), package-lock.json or npm-shrinkwrap.json (npm)`
    ])
  })

  it('refuses a named package manager whose lockfile is missing', () => {
    const dir = project('package.json', 'package-lock.json')
    expect(
      specProblems(() => specIn(dir, { 'app-runtime': 'node', 'app-package-manager': 'pnpm' }))[0]
    ).toMatch(/^input `app-runtime`: pnpm installs from pnpm-lock.yaml, which .* does not have/)
  })

  it('refuses a package manager of another runtime, and an unknown runtime', () => {
    const dir = project('requirements.txt')
    expect(
      specProblems(() => specIn(dir, { 'app-runtime': 'node', 'app-package-manager': 'pip' }))
    ).toEqual([
      'input `app-runtime`: the package manager pip installs python, not node; expected one of bun, pnpm, yarn, npm'
    ])
    expect(specProblems(() => specIn(dir, { 'app-runtime': 'ruby' }))[0]).toMatch(
      /^input `app-runtime`: "ruby" is not allowed; expected python, node, elixir or go/
    )
  })

  it('refuses build packages with no dependency install to give them to', () => {
    expect(specProblems(() => testSpec({ 'app-build-packages': ['libpq-dev'] }))).toEqual([
      "input `app-build-packages`: installs into the dependency install's stage, and there is none: set `app-runtime` too"
    ])
  })

  it('takes the runtime from a package manager given alone', () => {
    const spec = specIn(project('requirements.txt'), { 'app-package-manager': 'pip' })
    expect(spec.app.dependencies).toMatchObject({ runtime: 'python', packageManager: 'pip' })
  })
})

describe('the Dockerfile of an app with its own package manager', () => {
  const pip = specIn(project('requirements.txt', 'constraints.txt'), {
    'app-runtime': 'python',
    'build-args': ['PIP_INDEX_URL=http://172.17.0.1:3141/simple/']
  })

  it('installs in a stage on the base, the lockfile copied before the code, with a cache mount', () => {
    const deps = stage(dockerfileOf(pip), 'app-deps')
    expect(deps[0]).toBe('FROM debian:trixie-slim AS app-deps')
    const copy = deps.indexOf('COPY app/requirements.txt app/constraints.txt /app/')
    const install = deps.findIndex(line => line.includes('/run/aio-deps install pip prod'))
    expect(copy).toBeGreaterThan(0)
    expect(install).toBe(copy + 1)
    expect(deps[install]).toContain('--mount=type=cache,target=/root/.cache/pip')
    expect(deps[install]).toContain('/run/aio-deps packages python /app/.venv > /aio-packages')
    // Only the lockfile: the stage never sees the code.
    expect(deps.filter(line => line.startsWith('COPY app/ '))).toEqual([])
  })

  it('installs build packages in the install stage only', () => {
    const dockerfile = dockerfileOf(
      specIn(project('requirements.txt'), {
        'app-runtime': 'python',
        'app-build-packages': ['build-essential', 'libpq-dev']
      })
    )
    const packages = (lines: string[]) => lines.filter(line => line.includes('libpq-dev'))
    expect(packages(stage(dockerfile, 'app-deps'))).toHaveLength(1)
    expect(packages(stage(dockerfile, ''))).toEqual([])
  })

  it('gives build-args to the stages that run installs, never to the image itself', () => {
    const dockerfile = dockerfileOf(pip)
    expect(stage(dockerfile, 'app-deps')).toContain('ARG PIP_INDEX_URL')
    expect(stage(dockerfile, '').filter(line => line.startsWith('ARG'))).toEqual([])
  })

  it('copies the venv, puts it on PATH and installs what it needs at run time', () => {
    const image = stage(dockerfileOf(pip), '')
    expect(image).toContain('COPY --from=app-deps /app/.venv /app/.venv')
    expect(image).toContain('ENV PATH="/app/.venv/bin:"${PATH}""')
    expect(image).toContain('ENV VIRTUAL_ENV="/app/.venv"')
    const packages = image.find(line => line.includes('apt-get install')) ?? ''
    expect(packages).toContain(
      '--mount=type=bind,from=app-deps,source=/aio-packages,target=/run/aio-app-packages'
    )
    expect(packages).toContain('$(cat /run/aio-app-packages)')
  })

  it('lends uv from its image to the install step only', () => {
    const dockerfile = dockerfileOf(
      specIn(project('uv.lock', 'pyproject.toml'), { 'app-runtime': 'python' })
    )
    expect(dockerfile).toContain('FROM ghcr.io/astral-sh/uv:0.12.9 AS uv')
    const install = stage(dockerfile, 'app-deps').find(line => line.includes('install uv prod'))
    expect(install).toContain('--mount=type=bind,from=uv,source=/uv,target=/usr/local/bin/uv')
    expect(stage(dockerfile, '').join('\n')).not.toContain('from=uv')
  })

  it.each([
    ['npm', ['package.json', 'package-lock.json'], '/root/.npm'],
    ['pnpm', ['package.json', 'pnpm-lock.yaml'], '/root/.cache/pnpm'],
    ['yarn', ['package.json', 'yarn.lock'], '/root/.cache/yarn'],
    ['bun', ['package.json', 'bun.lock'], '/root/.cache/bun']
  ])('installs a %s project into node_modules with its cache mounted', (manager, files, cache) => {
    const dockerfile = dockerfileOf(specIn(project(...files), { 'app-runtime': 'node' }))
    const install = stage(dockerfile, 'app-deps').find(line =>
      line.includes(`install ${manager} prod`)
    )
    expect(install).toContain(`--mount=type=cache,target=${cache}`)
    expect(stage(dockerfile, '')).toEqual(
      expect.arrayContaining([
        'COPY --from=app-deps /app/node_modules /app/node_modules',
        'ENV NODE_ENV="production"',
        'ENV PATH="/app/node_modules/.bin:"${PATH}""',
        'COPY app/ /app/'
      ])
    )
  })

  it.each([
    ['mix', 'elixir', ['mix.exs', 'mix.lock']],
    ['go', 'go', ['go.mod', 'go.sum']]
  ])(
    'builds a %s app in its stage; the image holds the build, not the sources',
    (manager, runtime, files) => {
      const dockerfile = dockerfileOf(specIn(project(...files), { 'app-runtime': runtime }))
      const deps = stage(dockerfile, 'app-deps')
      const copyAll = deps.indexOf('COPY app/ /app/')
      expect(deps.findIndex(line => line.includes(`install ${manager} prod`))).toBeLessThan(copyAll)
      expect(deps[copyAll + 1]).toContain(`/run/aio-deps build ${manager} /out/app`)
      const image = stage(dockerfile, '')
      expect(image).toContain('COPY --from=app-deps /out/app/ /app/')
      expect(image).not.toContain('COPY app/ /app/')
      expect(image).toContain('ENV PATH="/app/bin:"${PATH}""')
    }
  )

  it('opens no Erlang distribution port in an Elixir release', () => {
    const image = stage(dockerfileOf(specIn(project('mix.exs'), { 'app-runtime': 'elixir' })), '')
    expect(image).toContain('ENV RELEASE_DISTRIBUTION="none"')
  })

  it('mounts build secrets and SSH into the install step only', () => {
    const spec = specIn(project('requirements.txt'), { 'app-runtime': 'python' })
    spec.buildPush.secrets = [{ id: 'PIP_INDEX_URL', source: { kind: 'env', value: 'INDEX' } }]
    spec.buildPush.ssh = ['default']
    const lines = instructions(dockerfileOf(spec))
    const mounting = lines.filter(line => line.includes('type=secret') || line.includes('type=ssh'))
    expect(mounting).toHaveLength(1)
    expect(mounting[0]).toContain(
      '--mount=type=secret,id=PIP_INDEX_URL --mount=type=ssh,id=default'
    )
    expect(mounting[0]).toContain('/run/aio-deps install pip prod')
  })

  it('renders an install script that passes shellcheck', () => {
    const deps = renderArtifacts(pip).find(file => file.path === 'aio/deps')
    expect(deps?.mode).toBe(0o755)
    const dir = tempDir()
    writeFiles(dir, { deps: deps?.content ?? '' })
    execFileSync('shellcheck', ['--shell=sh', 'deps'], { cwd: dir })
  })

  it('never copies what the install makes from the host into the image', async () => {
    const dir = project('requirements.txt', 'app.py', '.venv/bin/python')
    const spec = specIn(dir, { 'app-runtime': 'python' })
    const out = tempDir()
    await writeBuildContext(spec, out)
    expect(fs.existsSync(path.join(out, 'app/app.py'))).toBe(true)
    expect(fs.existsSync(path.join(out, 'app/.venv'))).toBe(false)
  })
})

describe('build stages with a runtime', () => {
  const web = project('package.json', 'package-lock.json', 'src/main.js')
  const spec = specIn(project('app.py'), {
    'build-stages': [
      {
        name: 'web',
        context: web,
        runtime: 'node',
        caches: ['/root/.cache/vite'],
        commands: ['vite build'],
        copy: [
          { from: 'dist', to: '/srv/www' },
          { from: '/usr/share/zoneinfo', to: '/usr/share/zoneinfo' }
        ]
      }
    ]
  })
  const dockerfile = dockerfileOf(spec)
  const webStage = stage(dockerfile, 'build-web')

  it('installs dev dependencies too, before the rest of the stage context', () => {
    const install = webStage.findIndex(line => line.includes('/run/aio-deps install npm all'))
    expect(webStage[install - 1]).toBe(
      'COPY stages/web/package-lock.json stages/web/package.json /build/'
    )
    expect(webStage[install + 1]).toBe('COPY stages/web/ /build/')
    expect(webStage).toContain('ENV PATH="/build/node_modules/.bin:"${PATH}""')
  })

  it('gives every command the cache mounts, and copies absolute paths as they are', () => {
    expect(webStage).toContain(
      'RUN --mount=type=cache,target=/root/.cache/vite ["/bin/sh","-c","vite build"]'
    )
    expect(stage(dockerfile, '')).toEqual(
      expect.arrayContaining([
        'COPY --from=build-web /build/dist /srv/www',
        'COPY --from=build-web /usr/share/zoneinfo /usr/share/zoneinfo'
      ])
    )
  })
})

describe('environment lines', () => {
  it('expands $PATH and ${PATH} and keeps every other $ literal', () => {
    expect(envLines({ PATH: '/opt/bin:$PATH', A: '${PATH}:$PATHS:$HOME' })).toEqual([
      { key: 'PATH', value: '"/opt/bin:"${PATH}""' },
      { key: 'A', value: '""${PATH}":\\$PATHS:\\$HOME"' }
    ])
  })
})

// A newcomer's apps installed by their own package managers, for real: a
// Python app pinning its requirements against a PEP 503 index served on
// Docker's bridge (PyPI stands in), and a Node app with a package-lock.json
// from the npm registry. `aio-image init` then `aio-image run` with no edits;
// the images hold exactly the pins and no dev dependencies, and a code-only
// change reinstalls nothing.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { runAction, runPost } from '../helpers/action-runner.js'
import { runCli, type CliRun } from '../helpers/cli-runner.js'
import { docker } from '../helpers/docker.js'
import { TestPythonIndex } from '../helpers/python-index.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const BUILD_TIMEOUT = 15 * 60_000
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const IMAGES: string[] = []

afterAll(async () => {
  if (IMAGES.length > 0) await docker('rmi', '--force', ...IMAGES)
}, 60_000)

function expectPassed(run: CliRun): void {
  if (run.code !== 0) throw new Error(`aio-image failed with ${run.code}:\n${run.stderr}`)
}

/** What a command prints in a fresh container of the image, as the app user would run it. */
async function inImage(image: string, script: string): Promise<string> {
  return (await docker('run', '--rm', '--entrypoint', '/bin/sh', image, '-c', script)).trim()
}

// An app answering /health, and / with the versions it imported.
const PYTHON_APP = `import http.server
import aio_greeting, aio_shout

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = aio_shout.shout("runtime").encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
`

describe('a Python app pinning requirements.txt, through init and run', () => {
  const project = tempDir('aio-i11-pip-')
  const image = 'aio-i11-pip:latest'
  let index: TestPythonIndex
  let init: CliRun
  let indexArgs: string[]
  const run = () =>
    runCli(['run', '--tags', image, '--idle-settle', '1s', ...indexArgs], { cwd: project })
  // Rebuilds only: what they installed is the question, not how they boot.
  const build = () => runCli(['build', '--tags', image, ...indexArgs], { cwd: project })

  beforeAll(async () => {
    index = await TestPythonIndex.start()
    IMAGES.push(image)
    writeFiles(project, {
      'app.py': PYTHON_APP,
      // 2.0.0 is the newest: only the pin makes it 1.0.0.
      'requirements.txt': 'aio-shout==1.0.0\naio-greeting==1.0.0\n',
      'requirements-dev.txt': 'aio-devtool==1.0.0\n',
      '.venv/bin/python': '#!/bin/sh\necho "the host\'s venv must not reach the image"\n'
    })
    init = await runCli(['init'], { cwd: project })
    // How a user points pip at a mirror; the index is plain HTTP.
    indexArgs = [
      '--build-args',
      `PIP_INDEX_URL=${index.url}`,
      '--build-args',
      `PIP_TRUSTED_HOST=${index.host}`
    ]
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    await index?.stop()
    fs.rmSync(project, { recursive: true, force: true })
  })

  it('init writes a pip runtime and no Debian packages for the pins', () => {
    expect(init.code).toBe(0)
    const fields = YAML.parse(fs.readFileSync(path.join(project, 'aio.yml'), 'utf8'))
    expect(fields['app-runtime']).toBe('python')
    expect(fields['app-packages'] ?? []).not.toContainEqual(expect.stringMatching(/^python3-/))
    expect(fs.existsSync(path.join(project, '.dockerignore'))).toBe(true)
  })

  it(
    'run builds an image holding exactly the pins, no dev requirements, and passes',
    async () => {
      expectPassed(await run())
      const versions = await inImage(
        image,
        'python -c "import aio_greeting, importlib.util as u; print(aio_greeting.__version__, u.find_spec(\'aio_devtool\'))"'
      )
      expect(versions).toBe('1.0.0 None')
      // The venv made in the build on the image's interpreter, not the host's.
      expect(await inImage(image, 'command -v python; readlink -f /app/.venv/bin/python')).toMatch(
        /^\/app\/\.venv\/bin\/python\n\/usr\/bin\/python3/
      )
    },
    BUILD_TIMEOUT
  )

  it(
    'reinstalls nothing after a code-only change',
    async () => {
      const before = index.requests.length
      fs.appendFileSync(path.join(project, 'app.py'), '# a code-only change\n')
      expectPassed(await build())
      expect(index.requests.slice(before)).toEqual([])
    },
    BUILD_TIMEOUT
  )

  it(
    'reinstalls after a lockfile change, with the unchanged wheels from the cache mount',
    async () => {
      const before = index.requests.length
      fs.writeFileSync(
        path.join(project, 'requirements.txt'),
        'aio-shout==1.0.0\naio-greeting==2.0.0\n'
      )
      expectPassed(await build())
      const fetched = index.requests.slice(before).filter(request => request.startsWith('/files/'))
      expect(fetched).toEqual(['/files/aio_greeting-2.0.0-py3-none-any.whl'])
      expect(
        await inImage(image, 'python -c "import aio_greeting; print(aio_greeting.__version__)"')
      ).toBe('2.0.0')
    },
    BUILD_TIMEOUT
  )
})

// ms 2.1.3 is the newest: only the lockfile makes it 2.1.2.
const NODE_PACKAGE = {
  name: 'newcomer-node',
  version: '1.0.0',
  main: 'server.js',
  dependencies: { ms: '2.1.2' },
  devDependencies: { 'left-pad': '1.3.0' }
}
const NODE_APP = `const http = require('node:http')
const ms = require('ms')
http
  .createServer((request, response) => response.end(JSON.stringify({ twoHours: ms('2h') })))
  .listen(3000)
`

describe('a Node app with a package-lock.json, through init and the action', () => {
  const project = tempDir('aio-i11-npm-')
  const image = 'aio-i11-npm:latest'

  beforeAll(() => {
    IMAGES.push(image)
    writeFiles(project, {
      'package.json': JSON.stringify(NODE_PACKAGE, null, 2),
      'server.js': NODE_APP,
      'node_modules/ms/index.js':
        'throw new Error("the host\'s node_modules must not reach the image")'
    })
    // The lockfile a newcomer commits, resolved from the npm registry.
    execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], {
      cwd: project,
      stdio: 'ignore'
    })
  }, 120_000)

  afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

  it(
    'init writes a node runtime, and the action builds, boots and passes it',
    async () => {
      expect((await runCli(['init'], { cwd: project })).code).toBe(0)
      const fields = YAML.parse(fs.readFileSync(path.join(project, 'aio.yml'), 'utf8'))
      expect(fields['app-runtime']).toBe('node')
      const run = await runAction(
        {
          tags: image,
          'idle-settle': '1s',
          'postgres-version': 'none',
          'app-port': '3000',
          'health-path': '/',
          ...(fs.existsSync(HOST_CA_BUNDLE) ? { 'build-ca-certificates': HOST_CA_BUNDLE } : {})
        },
        { cwd: project }
      )
      await runPost(run)
      if (run.exitCode !== 0) throw new Error(run.log)
      expect(run.outputs.passed).toBe('true')
    },
    BUILD_TIMEOUT
  )

  it('holds exactly the locked versions and no dev dependencies', async () => {
    expect(
      await inImage(image, 'node -p "require(\'ms/package.json\').version"; ls /app/node_modules')
    ).toBe('2.1.2\nms')
  })

  /** `aio-image build` of the project as it now is, which must fail, tagging nothing. */
  async function failedBuild(): Promise<string> {
    const tag = 'aio-i11-npm:refused'
    const ca = fs.existsSync(HOST_CA_BUNDLE) ? ['--build-ca-certificates', HOST_CA_BUNDLE] : []
    const run = await runCli(['build', '--tags', tag, ...ca], { cwd: project })
    expect(run.code).not.toBe(0)
    expect(await docker('images', '-q', tag)).toBe('')
    return run.stderr
  }

  const writeManifest = (changes: object) =>
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ ...NODE_PACKAGE, ...changes }, null, 2)
    )

  it(
    "fails the build with npm's own message when the lockfile no longer matches",
    async () => {
      writeManifest({ dependencies: { ms: '2.1.3' } })
      expect(await failedBuild()).toMatch(/npm ci.*in sync/)
    },
    BUILD_TIMEOUT
  )

  it(
    "fails the build when the base's Node is not one the package's engines allow",
    async () => {
      writeManifest({ engines: { node: '>=99' } })
      expect(await failedBuild()).toMatch(/EBADENGINE|Unsupported engine/)
    },
    BUILD_TIMEOUT
  )
})

// pnpm and Yarn at the version packageManager names, through corepack from
// the npm registry; each project's lockfile written by that same version.
describe.each([
  ['pnpm', 'pnpm@9.15.9', ['install', '--lockfile-only']],
  ['yarn', 'yarn@1.22.22', ['install', '--ignore-scripts', '--no-progress']]
])('a Node app locked by %s', (manager, packageManager, lockArgs) => {
  const project = tempDir(`aio-i11-${manager}-`)
  const image = `aio-i11-${manager}:latest`
  let build: CliRun

  beforeAll(async () => {
    IMAGES.push(image)
    writeFiles(project, {
      'package.json': JSON.stringify({ ...NODE_PACKAGE, packageManager }, null, 2),
      'server.js': NODE_APP
    })
    execFileSync('npx', ['--yes', packageManager, ...lockArgs], { cwd: project, stdio: 'ignore' })
    fs.rmSync(path.join(project, 'node_modules'), { recursive: true, force: true })
    const ca = fs.existsSync(HOST_CA_BUNDLE) ? ['--build-ca-certificates', HOST_CA_BUNDLE] : []
    build = await runCli(
      [
        'build',
        '--app-runtime',
        'node',
        '--app-command',
        'exec node server.js',
        '--tags',
        image,
        ...ca
      ],
      { cwd: project }
    )
  }, BUILD_TIMEOUT)

  afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

  it(`installs with ${manager} itself: the locked version, no dev dependencies`, async () => {
    expectPassed(build)
    const dockerfile = fs.readFileSync(path.join(project, '.aio/rendered/Dockerfile'), 'utf8')
    expect(dockerfile).toContain(`/run/aio-deps install ${manager} prod`)
    expect(
      await inImage(image, 'node -p "require(\'ms/package.json\').version"; ls /app/node_modules')
    ).toMatch(/^2\.1\.2\n(?!.*left-pad)/s)
  })
})

// A Go module without dependencies: Debian's golang-go builds it here, as the
// Go proxy is not reachable; on a runner `go mod download` fetches go.sum's.
describe('a Go app, built static in its stage', () => {
  const project = tempDir('aio-i11-go-')
  const image = 'aio-i11-go:latest'
  let run: CliRun

  beforeAll(async () => {
    IMAGES.push(image)
    writeFiles(project, {
      'go.mod': 'module example.com/hello\n\ngo 1.21\n',
      'main.go': `package main

import "net/http"

func main() {
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	http.ListenAndServe(":8000", nil)
}
`
    })
    run = await runCli(
      [
        'run',
        '--app-runtime',
        'go',
        '--app-command',
        'exec hello',
        '--postgres-version',
        'none',
        '--tags',
        image,
        '--idle-settle',
        '1s'
      ],
      { cwd: project }
    )
  }, BUILD_TIMEOUT)

  afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

  it('runs the binary from PATH and passes', () => expectPassed(run))

  it('holds the binary, not the sources or the toolchain', async () => {
    expect(await inImage(image, 'command -v hello; ls /app; command -v go || echo "no go"')).toBe(
      '/app/bin/hello\nbin\nno go'
    )
  })
})

describe("a private index's credentials, as a build secret", () => {
  const project = tempDir('aio-i11-secret-')
  const image = 'aio-i11-secret:latest'
  const password = `pw-${Date.now().toString(36)}-never-in-a-layer`
  let index: TestPythonIndex
  let build: CliRun

  beforeAll(async () => {
    index = await TestPythonIndex.start({ auth: { user: 'reader', password } })
    IMAGES.push(image)
    writeFiles(project, {
      // New content on every run: an install layer cached by an earlier run would fetch nothing.
      'requirements.txt': `aio-greeting==1.0.0\n# run ${Date.now()}\n`,
      'app.py': PYTHON_APP
    })
    build = await runCli(
      [
        'build',
        '--app-runtime',
        'python',
        '--app-command',
        'exec python app.py',
        '--tags',
        image,
        // What a workflow passes as secrets: PIP_INDEX_URL=${{ secrets.INDEX_URL }}
        '--secrets',
        `PIP_INDEX_URL=${index.urlWithCredentials}`,
        '--build-args',
        `PIP_TRUSTED_HOST=${index.host}`
      ],
      { cwd: project }
    )
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    await index?.stop()
    fs.rmSync(project, { recursive: true, force: true })
  })

  it('reaches pip in the install step, which fetched the pinned wheel', () => {
    expectPassed(build)
    expect(index.requests).toContain('/files/aio_greeting-1.0.0-py3-none-any.whl')
  })

  it('is in no layer, no history, no configuration and no log', async () => {
    const history = await docker('history', '--no-trunc', image)
    const config = await docker('image', 'inspect', image)
    const layers = execFileSync('docker', ['save', image], { maxBuffer: 1 << 30 })
    const rendered = fs.readFileSync(path.join(project, '.aio/rendered/Dockerfile'), 'utf8')
    for (const text of [
      history,
      config,
      layers.toString('latin1'),
      rendered,
      build.stdout,
      build.stderr
    ])
      expect(text.includes(password)).toBe(false)
  }, 120_000)
})

import fs from 'node:fs'
import path from 'node:path'
import { findSpecFile, readSpecFile, resolveSpec, sanitizeName, SpecError } from '../../src/spec.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

function problemsOf(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof SpecError) return error.problems
    throw error
  }
  throw new Error('expected a SpecError')
}

describe('resolveSpec defaults', () => {
  it('fills the contract defaults', () => {
    const spec = testSpec()
    expect(spec).toMatchObject({
      name: 'demo',
      baseImage: 'debian:trixie-slim',
      app: { port: 8000, healthPath: '/health', packages: [] },
      postgres: { version: 17, database: 'demo', role: 'demo', extensions: [] },
      supervisor: 'supervisord',
      tags: ['demo:latest'],
      verify: true,
      idleSettle: 10_000,
      failOnBudget: true
    })
    expect(spec.context).toBe(process.cwd())
  })

  it('turns - and . into _ for the database and role', () => {
    expect(testSpec({ name: 'my-app.v2' }).postgres).toMatchObject({
      database: 'my_app_v2',
      role: 'my_app_v2'
    })
  })

  it('drops the database with postgres-version none', () => {
    expect(testSpec({ 'postgres-version': 'none' }).postgres).toBeUndefined()
  })

  it('parses budgets into bytes and milliseconds', () => {
    const spec = testSpec({
      'max-image-size': '300MB',
      'max-startup-time': '1.5s',
      'max-idle-memory': '64MiB'
    })
    expect(spec.budgets).toEqual({
      maxImageSize: 300_000_000,
      maxStartupTime: 1500,
      maxIdleMemory: 64 * 1024 ** 2
    })
  })

  it('reads KEY=VALUE lists and maps alike', () => {
    expect(testSpec({ 'run-env': ['A=1', 'B=x=y'] }).runEnv).toEqual({ A: '1', B: 'x=y' })
    expect(testSpec({ 'build-args': { A: 1, B: true } }).buildArgs).toEqual({ A: '1', B: 'true' })
  })

  it('uses the default name made valid when none is given', () => {
    const spec = resolveSpec({
      inputs: { 'app-command': 'x' },
      workingDir: process.cwd(),
      defaultName: 'My_Repo'
    })
    expect(spec.name).toBe('my_repo')
    expect(sanitizeName('--Hello World!')).toBe('hello-world-')
  })
})

describe('build cache, push and platforms', () => {
  it('default to the auto cache, no push and the native platform', () => {
    expect(testSpec()).toMatchObject({
      push: false,
      platforms: [],
      cache: { mode: 'auto', ref: undefined, from: [], to: [] }
    })
  })

  it('take the cache mode, its reference and raw buildx values', () => {
    const spec = testSpec({
      push: true,
      platforms: ['linux/amd64', 'linux/arm64'],
      cache: 'registry',
      'cache-ref': 'ghcr.io/acme/app:buildcache',
      'cache-from': ['type=registry,ref=ghcr.io/acme/app:buildcache']
    })
    expect(spec).toMatchObject({
      push: true,
      platforms: ['linux/amd64', 'linux/arm64'],
      cache: {
        mode: 'registry',
        ref: 'ghcr.io/acme/app:buildcache',
        from: ['type=registry,ref=ghcr.io/acme/app:buildcache'],
        to: []
      }
    })
  })

  it('refuses what buildx could not take, naming the field and what is allowed', () => {
    expect(problemsOf(() => testSpec({ cache: 's3' }))).toEqual([
      'input `cache`: "s3" is not allowed; expected auto, gha, local, registry, inline or none'
    ])
    expect(problemsOf(() => testSpec({ platforms: ['amd64'] }))[0]).toMatch(
      /^input `platforms`: \["amd64"\] is not allowed; expected platforms os\/arch\[\/variant\]/
    )
    expect(problemsOf(() => testSpec({ 'cache-to': ['type=inline\nevil'] }))).toHaveLength(1)
    expect(problemsOf(() => testSpec({ cache: 'registry' }))).toEqual([
      'input `cache`: registry needs `cache-ref`, the image reference that holds the cache'
    ])
  })
})

describe('resolveSpec validation', () => {
  it('names the input, the value and what is allowed', () => {
    expect(problemsOf(() => testSpec({ 'app-port': 70000 }))).toEqual([
      'input `app-port`: 70000 is not allowed; expected an integer TCP port from 1 to 65535'
    ])
    const [problem] = problemsOf(() => testSpec({ name: 'app; rm -rf /' }))
    expect(problem).toMatch(
      /^input `name`: "app; rm -rf \/" is not allowed; expected lower-case letters/
    )
    expect(problemsOf(() => testSpec({ supervisor: 'systemd' }))).toEqual([
      'input `supervisor`: "systemd" is not allowed; expected supervisord or s6'
    ])
  })

  it('reports every bad field at once', () => {
    const problems = problemsOf(() =>
      testSpec({ 'app-port': 0, 'health-path': 'health', 'max-image-size': '10 parsecs' })
    )
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).toMatch(/app-port[\s\S]*health-path[\s\S]*max-image-size/)
  })

  it('rejects values that could break out of a generated file', () => {
    for (const bad of [
      { 'app-command': 'run\nRUN evil' },
      { 'health-path': "/h' ; evil" },
      { 'base-image': 'debian:trixie-slim\nRUN evil' },
      { 'app-packages': ['python3 evil'] },
      { 'postgres-extensions': ['vector"; DROP'] },
      { 'run-env': ['A=1\nB=2'] },
      { tags: ['demo:latest --push'] }
    ]) {
      expect(problemsOf(() => testSpec(bad))).toHaveLength(1)
    }
  })

  it('refuses secret-looking build arguments, which the image history would keep', () => {
    const [problem] = problemsOf(() => testSpec({ 'build-args': ['NPM_TOKEN=abc', 'VERSION=1'] }))
    expect(problem).toMatch(
      /^input `build-args`: NPM_TOKEN looks like a secret, and build arguments are recorded in the image's history/
    )
    expect(testSpec({ 'build-args': ['VERSION=1'] }).buildArgs).toEqual({ VERSION: '1' })
  })

  it('requires app-command', () => {
    expect(
      problemsOf(() => resolveSpec({ inputs: {}, workingDir: process.cwd(), defaultName: 'x' }))
    ).toEqual([
      'input `app-command` is required (or `app-command` in aio.yml): one line of shell that starts the app'
    ])
  })

  it('refuses boot budgets when the image is not booted', () => {
    expect(problemsOf(() => testSpec({ verify: false, 'max-startup-time': '2s' }))).toEqual([
      'input `max-startup-time`: needs the image booted, but verify is false'
    ])
  })

  it('refuses a context that is not a directory', () => {
    expect(problemsOf(() => testSpec({ context: 'does-not-exist' }))[0]).toMatch(
      /^input `context`: "does-not-exist" is not a directory/
    )
  })
})

describe('spec files', () => {
  it('finds aio.yml by default and the config input when given', () => {
    const dir = tempDir()
    expect(findSpecFile('', dir)).toBeUndefined()
    writeFiles(dir, { 'aio.yml': 'name: x\n', 'other.yml': 'name: y\n' })
    expect(findSpecFile('', dir)).toBe(path.join(dir, 'aio.yml'))
    expect(findSpecFile('other.yml', dir)).toBe(path.join(dir, 'other.yml'))
    expect(() => findSpecFile('missing.yml', dir)).toThrow(
      'input `config`: "missing.yml" does not exist'
    )
  })

  it('overrides file fields with inputs and resolves the context from the file', () => {
    const dir = tempDir()
    writeFiles(dir, {
      'project/aio.yml':
        'name: from-file\ncontext: app\napp-command: python3 app.py\napp-port: 9000\n',
      'project/app/app.py': ''
    })
    const file = path.join(dir, 'project/aio.yml')
    const spec = resolveSpec({
      file: { path: file, fields: readSpecFile(file) },
      inputs: { 'app-port': 9100 },
      workingDir: dir,
      defaultName: 'x'
    })
    expect(spec.name).toBe('from-file')
    expect(spec.app.port).toBe(9100)
    expect(spec.context).toBe(path.join(dir, 'project/app'))
  })

  it('names the file field when the file is wrong, and unknown fields with the known ones', () => {
    const dir = tempDir()
    writeFiles(dir, { 'aio.yml': 'app-command: x\napp-port: abc\nport: 1\n' })
    const file = path.join(dir, 'aio.yml')
    const problems = problemsOf(() =>
      resolveSpec({
        file: { path: file, fields: readSpecFile(file) },
        inputs: {},
        workingDir: dir,
        defaultName: 'x'
      })
    )
    expect(problems).toContainEqual(
      expect.stringMatching(/^aio.yml: unknown field `port`; known fields: name, context, /)
    )
    expect(problems).toContainEqual(
      'aio.yml field `app-port`: "abc" is not allowed; expected an integer TCP port from 1 to 65535'
    )
  })

  it('reports YAML that is not a mapping', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'aio.yml'), '- a\n- b\n')
    expect(() => readSpecFile(path.join(dir, 'aio.yml'))).toThrow(
      'aio.yml: expected a mapping of fields, found a list'
    )
    fs.writeFileSync(path.join(dir, 'aio.yml'), 'a: [\n')
    expect(() => readSpecFile(path.join(dir, 'aio.yml'))).toThrow(/aio.yml: not valid YAML/)
  })
})

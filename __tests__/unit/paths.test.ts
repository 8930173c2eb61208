// Where the spec's paths may lead: real directories, real symlinks.
import fs from 'node:fs'
import path from 'node:path'
import { readSpecFile, resolveSpec } from '../../src/spec/load.js'
import { copyContext } from '../../src/render/context.js'
import type { Spec } from '../../src/spec/types.js'
import { specProblems } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

/** A checkout (the working directory) beside a host directory holding a secret. */
function layout() {
  const root = tempDir()
  const project = path.join(root, 'project')
  const host = path.join(root, 'host')
  writeFiles(root, {
    'host/secret.sql': 'token',
    'host/home/.docker/config.json': '{}',
    'host/home/dump.sql': 'token',
    'project/app/app.py': '',
    'project/sql/schema.sql': 'CREATE TABLE a ();',
    'project/web/package.json': '{}',
    'project/ca.pem': ''
  })
  return { root, project, host }
}

/** The spec from `project/<file>` holding `lines`, resolved from the working directory `project`. */
function fromFile(
  project: string,
  lines: string[],
  options: {
    file?: string
    inputs?: Record<string, unknown>
    workingDir?: string
    variant?: string
  } = {}
): Spec {
  const file = path.join(project, options.file ?? 'aio.yml')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, ['name: x', 'app-command: run', ...lines].join('\n'))
  return resolveSpec({
    file: { path: file, fields: readSpecFile(file) },
    inputs: options.inputs ?? {},
    workingDir: options.workingDir ?? project,
    defaultName: 'x',
    variant: options.variant
  })
}

describe('paths in the spec file', () => {
  it('refuses an absolute init-sql path outside the working directory, naming field, value, target and boundary', () => {
    const { project, host } = layout()
    const secret = path.join(host, 'secret.sql')
    expect(specProblems(() => fromFile(project, [`init-sql: [${secret}]`]))).toEqual([
      `aio.yml field \`init-sql\`: ${JSON.stringify(secret)} resolves to ${secret}, outside the working directory; expected a file inside the working directory, ${project}`
    ])
  })

  it('refuses `..` leaving the working directory, in every path field', () => {
    const { project, host } = layout()
    const up = (relative: string) => path.join(host, relative)
    expect(specProblems(() => fromFile(project, ['init-sql: [../host/secret.sql]']))).toEqual([
      `aio.yml field \`init-sql\`: "../host/secret.sql" resolves to ${up('secret.sql')}, outside the working directory; expected a file inside the working directory, ${project}`
    ])
    expect(specProblems(() => fromFile(project, ['context: ../host/home']))).toEqual([
      `aio.yml field \`context\`: "../host/home" resolves to ${up('home')}, outside the working directory; expected a directory inside the working directory, ${project}`
    ])
    expect(
      specProblems(() =>
        fromFile(project, [
          'build-stages:',
          '  - { name: web, context: ../host/home, commands: [make], copy: [{ from: ., to: /srv }] }'
        ])
      )
    ).toEqual([
      `aio.yml field \`build-stages\` build-stages[0].context: "../host/home" resolves to ${up('home')}, outside the working directory; expected a directory inside the working directory, ${project}`
    ])
    expect(
      specProblems(() =>
        fromFile(project, ['build-ca-certificates: ../host/home/.docker/config.json'])
      )
    ).toEqual([
      `aio.yml field \`build-ca-certificates\`: "../host/home/.docker/config.json" resolves to ${up('home/.docker/config.json')}, outside the working directory; expected a file inside the working directory, ${project}`
    ])
  })

  it('refuses a symlink in the project that leads outside it', () => {
    const { project, host } = layout()
    fs.symlinkSync(path.join(host, 'secret.sql'), path.join(project, 'sql/seed.sql'))
    fs.symlinkSync(path.join(host, 'home'), path.join(project, 'home'))
    expect(specProblems(() => fromFile(project, ['init-sql: [sql/seed.sql]']))).toEqual([
      `aio.yml field \`init-sql\`: "sql/seed.sql" leads through a symlink to ${path.join(host, 'secret.sql')}, outside the working directory; expected a file inside the working directory, ${project}`
    ])
    expect(specProblems(() => fromFile(project, ['context: home']))[0]).toMatch(
      /^aio.yml field `context`: "home" leads through a symlink to .*\/host\/home, outside the working directory/
    )
    expect(specProblems(() => fromFile(project, ['init-sql: [home/dump.sql]']))[0]).toMatch(
      /^aio.yml field `init-sql`: "home\/dump.sql" leads through a symlink to .*\/host\/home\/dump.sql, outside/
    )
  })

  it('refuses variants the same way', () => {
    const { project, host } = layout()
    const secret = path.join(host, 'secret.sql')
    expect(
      specProblems(() =>
        fromFile(project, ['variants:', `  a: { init-sql: [${secret}] }`], { variant: 'a' })
      )
    ).toEqual([
      `aio.yml variants.a field \`init-sql\`: ${JSON.stringify(secret)} resolves to ${secret}, outside the working directory; expected a file inside the working directory, ${project}`
    ])
  })

  it('accepts a context above a monorepo spec file and symlinks that stay inside, holding their targets', () => {
    const { project } = layout()
    fs.symlinkSync('schema.sql', path.join(project, 'sql/current.sql'))
    const spec = fromFile(project, ['context: ../app', 'init-sql: [../sql/current.sql]'], {
      file: 'deploy/aio.yml'
    })
    expect(spec.context).toBe(path.join(project, 'app'))
    expect(spec.postgres?.initSql).toEqual([path.join(project, 'sql/schema.sql')])
  })

  it("bounds a spec file outside the working directory by the file's own directory", () => {
    const { root, project } = layout()
    const elsewhere = path.join(root, 'elsewhere')
    fs.mkdirSync(elsewhere)
    expect(fromFile(project, ['context: app'], { workingDir: elsewhere }).context).toBe(
      path.join(project, 'app')
    )
    expect(
      specProblems(() =>
        fromFile(project, ['context: ..'], { file: 'app/aio.yml', workingDir: elsewhere })
      )
    ).toEqual([
      `aio.yml field \`context\`: ".." resolves to ${project}, outside the spec file's directory; expected a directory inside the spec file's directory, ${path.join(project, 'app')}`
    ])
  })
})

describe('paths in inputs', () => {
  it('may name a place outside the working directory: the runner CA bundle, a temporary directory', () => {
    const { root, project, host } = layout()
    const spec = fromFile(project, [], {
      inputs: {
        'build-ca-certificates': path.join(host, 'home/.docker/config.json'),
        context: path.join(root, 'project/app')
      }
    })
    expect(spec.buildCaCertificates).toBe(path.join(host, 'home/.docker/config.json'))
    expect(fromFile(project, ['build-ca-certificates: ca.pem']).buildCaCertificates).toBe(
      path.join(project, 'ca.pem')
    )
  })

  it('refuses a path inside the working directory that a symlink leads out of it', () => {
    const { project, host } = layout()
    fs.symlinkSync(path.join(host, 'secret.sql'), path.join(project, 'sql/seed.sql'))
    expect(
      specProblems(() => fromFile(project, [], { inputs: { 'init-sql': ['sql/seed.sql'] } }))
    ).toEqual([
      `input \`init-sql\`: "sql/seed.sql" leads through a symlink to ${path.join(host, 'secret.sql')}, outside the working directory; expected a file inside the working directory, ${project}`
    ])
  })
})

describe('symlinks inside a context', () => {
  it('are copied as links, never followed: BuildKit then resolves them inside the image', async () => {
    const { root, project, host } = layout()
    const app = path.join(project, 'app')
    fs.symlinkSync(path.join(host, 'secret.sql'), path.join(app, 'secret.sql'))
    fs.symlinkSync(path.join(host, 'home'), path.join(app, 'home'))
    fs.symlinkSync('app.py', path.join(app, 'main.py'))
    const out = path.join(root, 'out')
    await copyContext(app, out, [])
    expect(fs.readdirSync(out).sort()).toEqual(['app.py', 'home', 'main.py', 'secret.sql'])
    for (const link of ['home', 'main.py', 'secret.sql'])
      expect(fs.readlinkSync(path.join(out, link))).toBe(fs.readlinkSync(path.join(app, link)))
  })
})

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
import { resolveSpec } from '../../src/spec/load.js'
import { PROJECTS } from '../helpers/projects.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

function project(kind: string): string {
  const dir = tempDir(`aio-init-${kind}-`)
  writeFiles(dir, PROJECTS[kind])
  return dir
}

describe('detectProject', () => {
  it.each([
    [
      'node',
      {
        kind: 'node',
        name: 'shop-api',
        command: 'exec node src/server.js',
        port: 3000,
        healthPath: '/healthz',
        packages: ['nodejs'],
        databaseDriver: 'pg'
      }
    ],
    [
      'requirements',
      {
        kind: 'python',
        command: 'exec python3 -m flask --app app run --host 0.0.0.0 --port 8000',
        // the source's own default port
        port: 5000,
        healthPath: '/health',
        packages: ['python3', 'python3-flask', 'python3-psycopg'],
        databaseDriver: 'psycopg'
      }
    ],
    [
      'pyproject',
      {
        kind: 'python',
        name: 'inventory',
        command: 'exec python3 -m uvicorn main:app --host 0.0.0.0 --port 8000',
        port: 8000,
        healthPath: '/',
        packages: ['python3', 'python3-fastapi', 'python3-uvicorn', 'python3-yaml'],
        databaseDriver: undefined
      }
    ],
    [
      'elixir',
      {
        kind: 'elixir',
        name: 'chat',
        command: 'exec mix phx.server',
        port: 4000,
        packages: ['elixir', 'erlang-nox'],
        databaseDriver: 'postgrex'
      }
    ],
    [
      'go',
      {
        kind: 'go',
        name: 'ledger',
        command: 'exec ./ledger',
        port: 9090,
        healthPath: '/healthz',
        databaseDriver: 'github.com/jackc/pgx'
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

  it('takes the command and port of a Dockerfile over the manifest guesses', () => {
    const dir = project('node')
    writeFiles(dir, { Dockerfile: 'FROM node:20\nEXPOSE 8080\nCMD node src/server.js --cluster\n' })
    expect(detectProject(dir)).toMatchObject({
      kind: 'node',
      found: ['package.json', 'Dockerfile'],
      command: 'exec node src/server.js --cluster',
      port: 8080
    })
  })

  it('maps PyPI names to Debian package names', () => {
    expect(debianPythonPackage('psycopg2-binary')).toBe('python3-psycopg2')
    expect(debianPythonPackage('beautifulsoup4')).toBe('python3-bs4')
    expect(debianPythonPackage('requests')).toBe('python3-requests')
  })
})

describe('starterSpec', () => {
  it.each(Object.keys(PROJECTS))('%s: a valid spec with a $schema reference', kind => {
    const dir = project(kind)
    const text = starterSpec(detectProject(dir))
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`)
    const fields = YAML.parse(text) as Record<string, unknown>
    expect(fields.$schema).toBe(SCHEMA_URL)
    // resolveSpec validates against schema/aio.schema.json and throws on any problem
    const spec = resolveSpec({
      file: { path: path.join(dir, 'aio.yml'), fields },
      inputs: {},
      workingDir: dir,
      defaultName: 'x'
    })
    expect(spec.context).toBe(dir)
    expect(spec.budgets.maxImageSize).toBeGreaterThan(0)
  })

  it('leaves the embedded database out when no driver was found', () => {
    const fields = YAML.parse(starterSpec(detectProject(project('pyproject'))))
    expect(fields['postgres-version']).toBe('none')
    expect(YAML.parse(starterSpec(detectProject(project('node'))))['postgres-version']).toBe(17)
  })
})

describe('writeStarterSpec', () => {
  it('writes aio.yml and refuses to replace it without force', () => {
    const dir = project('go')
    const file = path.join(dir, 'aio.yml')
    writeStarterSpec(file, false)
    fs.writeFileSync(file, '# mine\n')
    expect(() => writeStarterSpec(file, false)).toThrow(InitError)
    expect(fs.readFileSync(file, 'utf8')).toBe('# mine\n')
    writeStarterSpec(file, true)
    expect(fs.readFileSync(file, 'utf8')).toContain('app-command: "exec ./ledger"')
  })
})

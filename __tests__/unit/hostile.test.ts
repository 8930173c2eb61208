// Hostile input, property-tested: every field that reaches a template is
// either rejected with a SpecError or rendered without changing the shape of
// any generated file (no added Dockerfile instruction, shell command, ini
// section, pg_hba/pg_ident line or postgresql.conf setting) and arrives in
// the image's settings exactly as given.
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import YAML from 'yaml'
import { renderArtifacts, type RenderedFile } from '../../src/render/render.js'
import { SpecError, type Spec } from '../../src/spec/types.js'
import { testSpec } from '../helpers/spec.js'

const NASTY = [
  "'",
  '"',
  '`id`',
  '$(touch /tmp/pwned)',
  '${HOME}',
  '\n',
  '\r\n',
  '\0',
  '%(ENV_HOME)s',
  '%',
  ';',
  '&&',
  '|',
  '\\',
  '#',
  '[program:evil]',
  'RUN rm -rf /',
  '\nRUN evil',
  "listen_addresses = '*'",
  'host all all 0.0.0.0/0 trust',
  '{{x}}',
  '{{{x}}}',
  '<script>',
  'ünïcødé ✓ 日本',
  '\u202e',
  ' ',
  '\t',
  '-',
  '..',
  '/',
  'x'.repeat(5000)
]

/** Strings built from nasty fragments and arbitrary text. */
const hostile = fc.oneof(
  fc.constantFrom(...NASTY),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...NASTY),
        fc.string({ maxLength: 8 }),
        fc.string({ unit: 'binary', maxLength: 4 })
      ),
      { minLength: 1, maxLength: 6 }
    )
    .map(parts => parts.join('')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 })
)

const FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  name: hostile,
  'app-command': hostile,
  'health-path': hostile.map(value => `/${value}`),
  'base-image': hostile,
  'app-packages': fc.array(hostile, { maxLength: 3 }),
  'postgres-extensions': fc.array(hostile, { maxLength: 3 }),
  tags: fc.array(hostile, { minLength: 1, maxLength: 2 }),
  'postgres-version': hostile,
  supervisor: hostile,
  'app-port': fc.oneof(fc.integer(), hostile),
  'migrate-command': hostile,
  'postgres-database': hostile,
  'postgres-role': hostile
}

const file = (files: RenderedFile[], name: string) =>
  files.find(f => f.path === name)?.content ?? ''

/** The instruction keywords of a Dockerfile, in order. */
function instructions(dockerfile: string): string[] {
  const keywords: string[] = []
  let continued = false
  for (const line of dockerfile.split('\n')) {
    const trimmed = line.trim()
    if (!continued && trimmed !== '' && !trimmed.startsWith('#'))
      keywords.push(trimmed.split(/\s+/)[0])
    continued = trimmed.endsWith('\\')
  }
  return keywords
}

const sections = (ini: string) => ini.split('\n').filter(line => line.startsWith('['))
const ruleLines = (conf: string) =>
  conf.split('\n').filter(line => line.trim() !== '' && !line.trim().startsWith('#'))
const settingKeys = (conf: string) => ruleLines(conf).map(line => line.split('=')[0].trim())

/** aio.env read back by a real POSIX shell, as the image's scripts read it. */
function sourced(env: string): Record<string, string> {
  const names = [
    'AIO_NAME',
    'AIO_APP_COMMAND',
    'AIO_HEALTH_PATH',
    'AIO_PG_DATABASE',
    'AIO_PG_ROLE',
    'AIO_PG_EXTENSIONS',
    'AIO_SUPERVISOR',
    'AIO_MIGRATE_COMMAND',
    'AIO_PG_ROLE_ATTRIBUTES'
  ]
  const script = `eval "$1"; for n in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$n\\""; done`
  const out = execFileSync('sh', ['-c', script, 'sh', env]).toString().split('\0')
  return Object.fromEntries(names.map((name, i) => [name, out[i]]))
}

function shape(spec: Spec) {
  const files = renderArtifacts(spec)
  return {
    dockerfile: instructions(file(files, 'Dockerfile')),
    supervisord: sections(file(files, 'aio/etc/supervisord.conf')),
    hba: ruleLines(file(files, 'aio/etc/pg_hba.conf')).length,
    ident: ruleLines(file(files, 'aio/etc/pg_ident.conf')).length,
    settings: settingKeys(file(files, 'aio/etc/postgresql.conf')),
    envLines: ruleLines(file(files, 'aio/etc/aio.env')).length,
    nginx: nginxShape(file(files, 'aio/etc/nginx.conf'))
  }
}

/** What nginx's parser sees: statements, blocks and lines. */
function nginxShape(conf: string) {
  const count = (character: string) => conf.split(character).length - 1
  return {
    statements: count(';'),
    opens: count('{'),
    closes: count('}'),
    lines: conf.split('\n').length
  }
}

/** A double-quoted Dockerfile value, unescaped as Docker reads it. */
const fromDockerfileString = (text: string) => text.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1')

/** A quoted postgresql.conf value, unescaped as PostgreSQL reads it. */
const fromPgConfString = (text: string) =>
  text.replace(/^'|'$/g, '').replace(/''/g, "'").replace(/\\\\/g, '\\')

/** What follows `prefix` on the last line that starts with it (later lines win, in both files). */
function writtenValue(content: string, prefix: string): string | undefined {
  const line = content
    .split('\n')
    .filter(candidate => candidate.startsWith(prefix))
    .pop()
  return line?.slice(prefix.length)
}

describe.each(Object.keys(FIELDS))('hostile %s', field => {
  it('is rejected, or rendered without changing any file’s shape and read back exactly', () => {
    fc.assert(
      fc.property(FIELDS[field], value => {
        let spec: Spec
        try {
          spec = testSpec({ [field]: value })
        } catch (error) {
          if (error instanceof SpecError) return // rejected with a clear error: fine
          throw error
        }
        const baseline = shape(
          testSpec({
            supervisor: spec.supervisor,
            'postgres-version': spec.postgres ? String(spec.postgres.version) : 'none'
          })
        )
        const files = renderArtifacts(spec)
        expect(shape(spec)).toEqual(baseline)
        const read = sourced(file(files, 'aio/etc/aio.env'))
        expect(read.AIO_NAME).toBe(spec.name)
        expect(read.AIO_APP_COMMAND).toBe(spec.app.command)
        expect(read.AIO_HEALTH_PATH).toBe(spec.app.healthPath)
        expect(read.AIO_PG_EXTENSIONS).toBe((spec.postgres?.extensions ?? []).join(' '))
        expect(read.AIO_PG_DATABASE).toBe(spec.postgres?.database ?? '')
        expect(read.AIO_MIGRATE_COMMAND).toBe(spec.app.migrateCommand ?? '')
        expect(YAML.parse(file(files, 'compose.yaml')).services).toBeDefined()
      }),
      { numRuns: 150 }
    )
  })
})

// Structured fields: a value that is accepted renders exactly like a benign
// twin of the same shape (so nothing was added to any file) and its leaves
// read back exactly from the file they land in.
interface Structured {
  arbitrary: fc.Arbitrary<unknown>
  twin: (value: never) => unknown
  readBack: (files: RenderedFile[], value: never) => void
}

const hostilePath = hostile.map(value => `/${value}`)
// Valid names and paths among hostile ones, so that accepted values (and
// hostile values under valid names) are exercised, not just rejections.
const envKey = fc.oneof(fc.constantFrom('LOG_LEVEL', '_X', 'A1'), hostile)
const settingName = fc.oneof(
  fc.constantFrom('work_mem', 'statement_timeout', 'custom.opt'),
  hostile
)
const attribute = fc.oneof(fc.constantFrom('CREATEDB', 'REPLICATION', 'BYPASSRLS'), hostile)
const urlPath = fc.oneof(fc.constantFrom('/api', '/app/static', '/ws/v1'), hostilePath)

const STRUCTURED: Record<string, Structured> = {
  'app-env': {
    arbitrary: fc.dictionary(envKey, hostile, { minKeys: 1, maxKeys: 3 }),
    twin: (env: Record<string, string>) =>
      Object.fromEntries(Object.keys(env).map((_, i) => [`SAFE_${i}`, 'x'])),
    readBack: (files, env: Record<string, string>) => {
      for (const [key, value] of Object.entries(env)) {
        const written = writtenValue(file(files, 'Dockerfile'), `ENV ${key}=`)
        expect(fromDockerfileString(written ?? '')).toBe(value)
      }
    }
  },
  'postgres-settings': {
    arbitrary: fc.dictionary(settingName, hostile, { minKeys: 1, maxKeys: 3 }),
    twin: (settings: Record<string, string>) => settings,
    readBack: (files, settings: Record<string, string>) => {
      for (const [key, value] of Object.entries(settings)) {
        const written = writtenValue(file(files, 'aio/etc/postgresql.conf'), `${key} = `)
        expect(fromPgConfString(written ?? '')).toBe(value)
      }
    }
  },
  'postgres-role-attributes': {
    arbitrary: fc.uniqueArray(attribute, { minLength: 1, maxLength: 3 }),
    twin: (attributes: string[]) => attributes,
    readBack: (files, attributes: string[]) => {
      // every attribute is granted, the others explicitly revoked (NO...)
      const written = sourced(file(files, 'aio/etc/aio.env')).AIO_PG_ROLE_ATTRIBUTES.split(' ')
      for (const attribute of attributes) expect(written).toContain(attribute)
    }
  },
  nginx: {
    arbitrary: fc.record(
      { root: urlPath, proxy: fc.array(urlPath, { maxLength: 3 }) },
      { requiredKeys: [] }
    ),
    twin: (nginx: { root?: string; proxy?: string[] }) => ({
      ...(nginx.root === undefined ? {} : { root: '/app/static' }),
      ...(nginx.proxy === undefined ? {} : { proxy: nginx.proxy.map((_, i) => `/p${i}`) })
    }),
    readBack: (files, nginx: { root?: string; proxy?: string[] }) => {
      const conf = file(files, 'aio/etc/nginx.conf')
      if (nginx.root !== undefined) expect(conf).toContain(`root ${nginx.root};`)
      for (const prefix of nginx.proxy ?? []) expect(conf).toContain(`location ${prefix} {`)
    }
  },
  'build-stages': {
    arbitrary: fc
      .record({
        name: fc.oneof(fc.constant('web'), hostile),
        commands: fc.array(hostile, { minLength: 1, maxLength: 2 }),
        copy: fc.array(fc.record({ from: fc.oneof(fc.constant('dist'), hostile), to: urlPath }), {
          minLength: 1,
          maxLength: 2
        })
      })
      .map(stage => [stage]),
    twin: ([stage]: Array<{ commands: string[]; copy: unknown[] }>) => [
      {
        name: 'web',
        commands: stage.commands.map(() => 'true'),
        copy: stage.copy.map(() => ({ from: 'dist', to: '/app/static' }))
      }
    ],
    readBack: (files, [stage]: Array<{ commands: string[] }>) => {
      const runs = file(files, 'Dockerfile')
        .split('\n')
        .filter(
          line =>
            line.startsWith('RUN ["/bin/sh", "-c", ') || line.startsWith('RUN ["/bin/sh","-c",')
        )
        .map(line => JSON.parse(line.slice(4))[2])
      for (const command of stage.commands) expect(runs).toContain(command)
    }
  }
}

describe.each(Object.keys(STRUCTURED))('hostile %s', field => {
  it('is rejected, or rendered like a benign twin of its shape and read back exactly', () => {
    const { arbitrary, twin, readBack } = STRUCTURED[field]
    let accepted = 0
    fc.assert(
      fc.property(arbitrary, value => {
        let spec: Spec
        try {
          spec = testSpec({ [field]: value })
        } catch (error) {
          if (error instanceof SpecError) return
          throw error
        }
        expect(shape(spec)).toEqual(shape(testSpec({ [field]: twin(value as never) })))
        readBack(renderArtifacts(spec), value as never)
        accepted++
      }),
      { numRuns: 150 }
    )
    expect(accepted).toBeGreaterThan(0)
  })
})

it('accepts hostile app commands, which are shell by design, and keeps them exact', () => {
  const command = `exec app --name "it's" $(printf x) \`id\` 100% %(x)s # ünïcødé; \\ [program:x]`
  const files = renderArtifacts(testSpec({ 'app-command': command }))
  expect(sourced(file(files, 'aio/etc/aio.env')).AIO_APP_COMMAND).toBe(command)
  expect(instructions(file(files, 'Dockerfile'))).toEqual(shape(testSpec()).dockerfile)
})

// PostgreSQL's own names, and names that mean something else in its files:
// the app's role or database must never be one of them, written out or
// derived from `name`.
const RESERVED_ROLE =
  /^(postgres|public|none|all|current_user|current_role|session_user|system_user|pg_.*)$/
const RESERVED_DATABASE = /^(postgres|template0|template1)$/
const databaseName = fc.oneof(
  fc.constantFrom('postgres', 'template0', 'template1', 'pg_monitor', 'pg-x', 'all', 'public'),
  fc.constantFrom('none', 'current-user', 'session.user', 'system_user', 'app', '1app'),
  hostile
)

it('never gives the app a reserved role or database, whether written out or derived from name', () => {
  let accepted = 0
  fc.assert(
    fc.property(
      fc.record(
        { name: databaseName, 'postgres-role': databaseName, 'postgres-database': databaseName },
        { requiredKeys: [] }
      ),
      fields => {
        let spec: Spec
        try {
          spec = testSpec(fields)
        } catch (error) {
          if (error instanceof SpecError) return
          throw error
        }
        expect(spec.postgres?.role).not.toMatch(RESERVED_ROLE)
        expect(spec.postgres?.database).not.toMatch(RESERVED_DATABASE)
        accepted++
      }
    ),
    { numRuns: 300 }
  )
  expect(accepted).toBeGreaterThan(0)
})

it('keeps every Dockerfile line an accepted app-env value makes inside BuildKit’s 65535 bytes', () => {
  // Escaped characters (\ " $) take two bytes, others up to three in UTF-8.
  const heavy = fc.constantFrom('x', '\\', '"', '$', 'é', '日', '😀')
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 70_000 }),
      heavy,
      fc.constantFrom('A', 'K'.repeat(255), 'K'.repeat(256)),
      (length, character, key) => {
        let spec: Spec
        try {
          spec = testSpec({ 'app-env': { [key]: character.repeat(length) } })
        } catch (error) {
          if (error instanceof SpecError) {
            expect(error.problems.join('\n')).toMatch(/^input `app-env`: /)
            return
          }
          throw error
        }
        for (const line of file(renderArtifacts(spec), 'Dockerfile').split('\n'))
          expect(Buffer.byteLength(line)).toBeLessThanOrEqual(65_535)
      }
    ),
    { numRuns: 100 }
  )
})

it('refuses postgres-settings that would read settings from other files', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('include', 'include_dir', 'include_if_exists'),
      hostile,
      fc.boolean(),
      (key, value, asList) => {
        const settings = asList ? [`${key}=${value}`] : { [key]: value }
        expect(() => testSpec({ 'postgres-settings': settings })).toThrow(SpecError)
      }
    ),
    { numRuns: 60 }
  )
})

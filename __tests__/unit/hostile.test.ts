// Hostile input, property-tested: every field that reaches a template is
// either rejected with a SpecError or rendered without changing the shape of
// any generated file (no added Dockerfile instruction, shell command, ini
// section, pg_hba/pg_ident line or postgresql.conf setting) and arrives in
// the image's settings exactly as given.
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import YAML from 'yaml'
import { renderArtifacts, type RenderedFile } from '../../src/render.js'
import { SpecError, type Spec } from '../../src/spec.js'
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
  'app-port': fc.oneof(fc.integer(), hostile)
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
    'AIO_SUPERVISOR'
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
    envLines: ruleLines(file(files, 'aio/etc/aio.env')).length
  }
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
        expect(YAML.parse(file(files, 'compose.yaml')).services).toBeDefined()
      }),
      { numRuns: 150 }
    )
  })
})

it('accepts hostile app commands, which are shell by design, and keeps them exact', () => {
  const command = `exec app --name "it's" $(printf x) \`id\` 100% %(x)s # ünïcødé; \\ [program:x]`
  const files = renderArtifacts(testSpec({ 'app-command': command }))
  expect(sourced(file(files, 'aio/etc/aio.env')).AIO_APP_COMMAND).toBe(command)
  expect(instructions(file(files, 'Dockerfile'))).toEqual(shape(testSpec()).dockerfile)
})

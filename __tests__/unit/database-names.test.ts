// The app's database and role, written out or derived from `name`, are
// checked alike: never one PostgreSQL keeps for itself (the superuser, the
// templates, pg_* roles, reserved words), each refusal naming the field.
import { specProblems, testSpec } from '../helpers/spec.js'

function problemsOf(inputs: Record<string, unknown>): string[] {
  return specProblems(() => testSpec(inputs))
}

describe('the app’s role and database', () => {
  it.each([
    ['postgres', 'role "postgres"'],
    ['pg-monitor', 'role "pg_monitor"'],
    ['all', 'role "all"'],
    ['public', 'role "public"'],
    ['template1', 'database "template1"'],
    ['template0', 'database "template0"'],
    ['1app', 'role "1app"']
  ])(
    'refuses name %s, whose derived %s is reserved, naming name and the way out',
    (name, derived) => {
      const problems = problemsOf({ name })
      const problem = problems.find(line => line.includes(derived))
      expect(problem).toMatch(
        new RegExp(
          `^input \`name\`: "${name}" gives the PostgreSQL ${derived} .*which is not allowed: expected .*; choose another with \`postgres-(role|database)\`$`
        )
      )
    }
  )

  it('refuses the superuser and the templates for name, with both ways out', () => {
    expect(problemsOf({ name: 'postgres' })).toEqual([
      expect.stringMatching(
        /gives the PostgreSQL role "postgres".*choose another with `postgres-role`$/
      ),
      expect.stringMatching(
        /gives the PostgreSQL database "postgres".*choose another with `postgres-database`$/
      )
    ])
  })

  it.each([
    ['postgres-role', 'postgres'],
    ['postgres-role', 'pg_read_server_files'],
    ['postgres-role', 'none'],
    ['postgres-role', 'current_user'],
    ['postgres-role', 'session_user'],
    ['postgres-role', 'all'],
    ['postgres-database', 'template1'],
    ['postgres-database', 'postgres']
  ])('refuses %s %s written out, naming the field', (field, value) => {
    expect(problemsOf({ [field]: value })).toEqual([
      expect.stringMatching(new RegExp(`^input \`${field}\`: "${value}" is not allowed; expected `))
    ])
  })

  it('accepts a reserved name once role and database are chosen, and names without the database', () => {
    const spec = testSpec({
      name: 'postgres',
      'postgres-role': 'pgapp',
      'postgres-database': 'pgapp'
    })
    expect([spec.postgres?.role, spec.postgres?.database]).toEqual(['pgapp', 'pgapp'])
    expect(testSpec({ name: 'postgres', 'postgres-version': 'none' }).postgres).toBeUndefined()
    expect(testSpec({ name: 'template1', 'postgres-database': 'app' }).postgres?.role).toBe(
      'template1'
    )
  })
})

describe('postgres-settings', () => {
  it.each([
    'include',
    'include_dir',
    'include_if_exists',
    'config_file',
    'data_directory',
    'hba_file',
    'ident_file'
  ])('refuses %s, which would bypass the managed settings, naming the field and the key', key => {
    expect(problemsOf({ 'postgres-settings': { [key]: '/tmp/x.conf' } })).toEqual([
      expect.stringMatching(
        new RegExp(
          `^input \`postgres-settings\`: .* is not allowed; expected .*; the key \`${key}\` is refused$`
        )
      )
    ])
    expect(problemsOf({ 'postgres-settings': [`${key}=/tmp/x.conf`] })).toEqual([
      expect.stringMatching(
        new RegExp(`^input \`postgres-settings\`: \\["${key}=/tmp/x.conf"\\] is not allowed`)
      )
    ])
  })
})

describe('app-env', () => {
  it('refuses a value longer than 16384 characters before anything is built, naming the field and the key', () => {
    expect(problemsOf({ 'app-env': { BIG: 'x'.repeat(65 * 1024) } })).toEqual([
      'input `app-env`: app-env.BIG "' +
        'x'.repeat(76) +
        '... is not allowed; expected one line of at most 16384 characters'
    ])
    expect(problemsOf({ 'app-env': [`BIG=${'x'.repeat(65 * 1024)}`] })[0]).toMatch(
      /^input `app-env`: .* is not allowed; expected .*VALUE: one line of at most 16384 characters/
    )
    expect(testSpec({ 'app-env': { BIG: 'x'.repeat(16384) } }).app.env.BIG).toHaveLength(16384)
  })
})

// The embedded database's safety on a real image: the app's role is never a
// superuser, a run-time password is stored as a password whatever it holds,
// run-time values that reach SQL or configuration at boot are refused or
// applied exactly, first-boot SQL runs exactly once, and without an embedded
// database the app keeps its own POSTGRES_PASSWORD.
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { ROOT } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import { bridgeAddress, docker, psqlOverBridge, TestContainer } from '../helpers/docker.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir } from '../helpers/tmp.js'

const NOTES = path.join(ROOT, 'examples', 'notes')
const ROLE = 'aio_it_dbsafe'
const NOTES_APP = {
  context: NOTES,
  'app-command': 'exec python3 app.py',
  'app-packages': ['python3', 'python3-psycopg']
}

/** SQL as the superuser inside the container, over the socket. */
const superuserSql = (container: TestContainer, sql: string) =>
  container.psql('postgres', ROLE, sql)

/** Every role but PostgreSQL's predefined pg_* ones. */
const rolesOf = (container: TestContainer) =>
  superuserSql(
    container,
    "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'"
  )

const occurrences = (text: string, part: string) => text.split(part).length - 1

describe('the embedded database', () => {
  let image: string
  const containers: TestContainer[] = []
  const container = (env: Record<string, string> = {}) => {
    const made = new TestContainer(image, 8000, 'aio-it-dbsafe', env)
    containers.push(made)
    return made
  }
  const booted = async (env: Record<string, string> = {}) => {
    const made = container(env)
    await made.create()
    await made.start()
    await made.ready()
    return made
  }

  beforeAll(async () => {
    // Init SQL that records each run, then a statement that fails on demand
    // (PGOPTIONS reaches setup's psql): a failure after the SQL's work, in
    // the place where the record of its run used to be written.
    const sql = tempDir('aio-dbsafe-sql-')
    fs.writeFileSync(
      path.join(sql, '01-runs.sql'),
      'CREATE TABLE init_runs (ran_at timestamptz NOT NULL DEFAULT now());\nINSERT INTO init_runs DEFAULT VALUES;\n'
    )
    fs.writeFileSync(
      path.join(sql, '02-fail-on-demand.sql'),
      "DO $$ BEGIN IF current_setting('aio_test.fail_init', true) = 'on' THEN RAISE EXCEPTION 'injected failure after the init SQL'; END IF; END $$;\n"
    )
    image = await buildTestImage(
      testSpec({
        ...NOTES_APP,
        name: ROLE.replace(/_/g, '-'),
        supervisor: 'supervisord',
        'init-sql': [path.join(sql, '01-runs.sql'), path.join(sql, '02-fail-on-demand.sql')]
      })
    )
  }, 15 * 60_000)

  afterAll(async () => {
    for (const made of containers) await made.remove()
  }, 120_000)

  describe('a run-time password', () => {
    const HOSTILE_PASSWORDS = [
      'x;\n\nCREATE ROLE evil SUPERUSER LOGIN;\n\n',
      "'; CREATE ROLE evil2 SUPERUSER LOGIN; --",
      `a'b"c\\d\\\\e\\'`,
      ':\'password\' :"role" :role',
      '\\! touch /tmp/pwned\n\\set ON_ERROR_STOP 0\n\\! touch /tmp/pwned2',
      '`touch /tmp/pwned3` $(touch /tmp/pwned4) ${HOME}',
      ' ünïcødé ✓ 日本 😀 \t',
      '\n'
    ]

    it.each(HOSTILE_PASSWORDS.map(password => [JSON.stringify(password), password]))(
      'is stored exactly as given, never run: %s',
      async (_shown, password) => {
        const made = await booted({ POSTGRES_PASSWORD: password, EXTERNAL_ACCESS_ENABLE: 'true' })
        const address = await bridgeAddress(made)
        expect(await psqlOverBridge(address, ROLE, password, 'SELECT current_user')).toEqual({
          code: 0,
          output: ROLE
        })
        expect((await psqlOverBridge(address, ROLE, `${password}x`, 'SELECT 1')).output).toMatch(
          /password authentication failed/
        )
        expect(await rolesOf(made)).toBe(`${ROLE},postgres`)
        expect(
          (await made.exec('sh', '-c', 'ls /tmp/pwned /tmp/pwned2 /tmp/pwned3 /tmp/pwned4 2>&1'))
            .output
        ).not.toMatch(/^\/tmp\/pwned/m)
        await made.remove()
      },
      120_000
    )

    it(
      'of hostile values, with hostile external access settings, is refused with a message naming the variable or applied exactly',
      async () => {
        const ON = ['true', 'TRUE', 'True', '1', 'yes']
        const OFF = ['false', 'FALSE', 'False', '0', 'no', '']
        const text = fc.oneof(
          fc.constantFrom("'", '\n', ';\n\n', '\\! id', ":'x'", '$(id)', '*', ' ', 'ü', '#'),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
        )
        const hostileText = fc
          .array(text, { minLength: 1, maxLength: 4 })
          .map(parts => parts.join(''))
        const settings = fc.record({
          password: fc.oneof(fc.constant(''), hostileText),
          enable: fc.oneof(
            { arbitrary: fc.constantFrom(...ON, ...OFF), weight: 3 },
            { arbitrary: hostileText, weight: 1 }
          ),
          method: fc.oneof(
            fc.constantFrom(undefined, '', 'scram-sha-256', 'md5', 'trust'),
            hostileText
          )
        })
        let booted = 0
        await fc.assert(
          fc.asyncProperty(settings, async ({ password, enable, method }) => {
            const env: Record<string, string> = { EXTERNAL_ACCESS_ENABLE: enable }
            if (password !== '') env.POSTGRES_PASSWORD = password
            if (method !== undefined) env.EXTERNAL_ACCESS_METHOD = method
            const chosen = method === undefined || method === '' ? 'scram-sha-256' : method
            const refusal = ON.includes(enable)
              ? chosen === 'trust'
                ? 'EXTERNAL_ACCESS_METHOD=trust is refused'
                : !['scram-sha-256', 'md5'].includes(chosen)
                  ? `EXTERNAL_ACCESS_METHOD=${chosen} is not allowed; use scram-sha-256 (default) or md5`
                  : password === ''
                    ? 'EXTERNAL_ACCESS_ENABLE=true needs a password: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE'
                    : undefined
              : OFF.includes(enable)
                ? undefined
                : `EXTERNAL_ACCESS_ENABLE=${enable} is not allowed; use true or false`
            const made = container(env)
            try {
              await made.create()
              await made.start()
              if (refusal !== undefined) {
                expect(await made.exitCode()).toBe(1)
                expect(await made.logs()).toContain(`aio: ERROR: ${refusal}`)
                return
              }
              await made.ready()
              booted++
              expect(await rolesOf(made)).toBe(`${ROLE},postgres`)
              const address = await bridgeAddress(made)
              const login = await psqlOverBridge(address, ROLE, password, 'SELECT current_user')
              if (ON.includes(enable)) expect(login).toEqual({ code: 0, output: ROLE })
              else expect(login.code).not.toBe(0)
            } finally {
              await made.remove()
            }
          }),
          { numRuns: 12 }
        )
        expect(booted).toBeGreaterThan(0)
      },
      15 * 60_000
    )
  })

  describe('the app’s role', () => {
    it('is never a superuser: one made so is made NOSUPERUSER again before the app starts', async () => {
      const made = await booted()
      await superuserSql(made, `ALTER ROLE ${ROLE} SUPERUSER`)
      await docker('restart', made.name)
      await made.ready()
      expect(
        await superuserSql(made, `SELECT rolsuper FROM pg_roles WHERE rolname = '${ROLE}'`)
      ).toBe('f')
      expect(await made.logs()).toContain(
        `WARNING: role ${ROLE} was a superuser; it is not any more`
      )
    }, 120_000)
  })

  describe('first-boot SQL', () => {
    it('that fails leaves nothing done and runs at the next boot, once; a kill after it neither repeats nor skips it', async () => {
      const failing = container({ PGOPTIONS: '-c aio_test.fail_init=on' })
      await failing.create()
      await failing.start()
      // stops by itself (supervisord cannot set the container's exit status)
      await failing.exitCode()
      const failedLog = await failing.logs()
      expect(failedLog).toContain('injected failure after the init SQL')
      expect(failedLog).toContain('first-boot SQL failed; it runs again at the next start')
      expect(failedLog).not.toContain('notes: listening')

      // on its /data volume, as after `docker rm` and `docker run` again
      const next = new TestContainer(image, 8000, 'aio-it-dbsafe-next', {}, failing.volume)
      containers.push(next)
      await next.create()
      await next.start()
      await next.ready()
      expect(await superuserSql(next, 'SELECT count(*) FROM init_runs')).toBe('1')
      await docker('kill', next.name)
      await next.start()
      await next.ready()
      expect(await superuserSql(next, 'SELECT count(*) FROM init_runs')).toBe('1')
      expect(
        await superuserSql(
          next,
          "SELECT coalesce(shobj_description(oid, 'pg_database'), 'none') FROM pg_database WHERE datname = current_database()"
        )
      ).toBe('none')
      const log = await next.logs()
      expect(occurrences(log, 'first boot: running init SQL')).toBe(1)
      expect(occurrences(log, 'notes: listening')).toBe(2)
    }, 180_000)
  })
})

describe('a single-user bootstrap statement that fails', () => {
  it(
    'stops the container with the PostgreSQL error and what could not be created',
    async () => {
      const image = await buildTestImage(
        testSpec({
          ...NOTES_APP,
          name: 'aio-it-dbsafe-ro',
          'postgres-settings': { default_transaction_read_only: 'on' }
        })
      )
      const made = new TestContainer(image, 8000, 'aio-it-dbsafe-ro')
      try {
        await made.create()
        await made.start()
        expect(await made.exitCode()).toBe(1)
        const log = await made.logs()
        expect(log).toContain('cannot execute CREATE ROLE in a read-only transaction')
        expect(log).toContain(
          'aio: ERROR: could not create role aio_it_dbsafe_ro and database aio_it_dbsafe_ro'
        )
        expect(log).not.toContain('notes: listening')
      } finally {
        await made.remove()
      }
    },
    15 * 60_000
  )
})

describe('an image without an embedded database', () => {
  it(
    'gives the app POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE untouched, for its external database',
    async () => {
      const image = await buildTestImage(
        testSpec({
          name: 'aio-it-dbsafe-none',
          'postgres-version': 'none',
          'app-packages': ['python3'],
          'app-command': 'exec python3 -m http.server 8000',
          'health-path': '/'
        })
      )
      const password = "ext'ernal;\n\npass"
      const made = new TestContainer(image, 8000, 'aio-it-dbsafe-none', {
        POSTGRES_PASSWORD: password,
        POSTGRES_PASSWORD_FILE: '/run/secrets/db-password'
      })
      try {
        await made.create()
        await made.start()
        await made.ready('/')
        // the app's own environment, read as the app user by its command line
        const environ = (
          await made.execAs(
            'app',
            'sh',
            '-c',
            'for p in /proc/[0-9]*; do [ "$(tr "\\0" " " < "$p/cmdline" 2>/dev/null)" = "python3 -m http.server 8000 " ] && cat "$p/environ"; done; true'
          )
        ).output.split('\0')
        expect(environ).toContain(`POSTGRES_PASSWORD=${password}`)
        expect(environ).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/db-password')
      } finally {
        await made.remove()
      }
    },
    15 * 60_000
  )
})

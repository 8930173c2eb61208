// The upgrade check (README, "Upgrade check") on a real engine, as a pull
// request runs it: release 1 of the notes example, with migrations, built
// and pushed by the action to a registry with real authentication; then
// release 2, from the same example at a later spec (one more migration),
// checked with upgrade-from naming release 1, which the action pulls with
// the job's credentials (DOCKER_CONFIG): passing and pushed. And a release
// whose new migration works on every fresh database and fails on the data
// release 1 left: the step fails at the upgrade, and nothing is pushed.
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, runAction, runPost, type ActionRun } from '../helpers/action-runner.js'
import { docker, dockerStatus } from '../helpers/docker.js'
import { TestRegistry } from '../helpers/registry.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'
import type { Report } from '../../src/report/model.js'

const BUILD_TIMEOUT = 15 * 60_000
const REPOSITORY = 'aio-i13/notes'

// The notes app's migrations: each migrations/*.sql not yet applied, in
// order, in one transaction with its record; run by the image before the
// app at every start (migrate-command), as the app, on its database.
const MIGRATE = `set -eu
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY)'
for file in migrations/*.sql; do
  version=\${file#migrations/}
  if [ -z "$(psql -X -A -t -c "SELECT 1 FROM schema_migrations WHERE version = '$version'")" ]; then
    echo "migrate: applying $version"
    psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$file" -c "INSERT INTO schema_migrations VALUES ('$version')"
  fi
done
`
const NOTES_TABLE = 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n'
// Release 1 seeds a welcome note.
const RELEASE_1 = {
  '001_notes.sql': `${NOTES_TABLE}INSERT INTO notes (body) VALUES ('welcome');\n`
}
const RELEASE_2 = {
  ...RELEASE_1,
  '002_created.sql': 'ALTER TABLE notes ADD COLUMN created timestamptz NOT NULL DEFAULT now();\n'
}
// Stops seeding, and adds a column no existing row can fill: fine on any
// fresh database (the first boot, the restart), broken on every existing one.
const BREAKING = {
  '001_notes.sql': NOTES_TABLE,
  '002_author.sql': 'ALTER TABLE notes ADD COLUMN author text NOT NULL;\n'
}

/** The notes example, copied with these migrations and the script that applies them. */
function notesRelease(migrations: Record<string, string>): string {
  const dir = tempDir('aio-i13-notes-')
  fs.cpSync(path.join(ROOT, 'examples', 'notes'), dir, { recursive: true })
  writeFiles(dir, {
    'migrate.sh': MIGRATE,
    ...Object.fromEntries(
      Object.entries(migrations).map(([name, sql]) => [`migrations/${name}`, sql])
    )
  })
  return dir
}

/** The run's JSON report, read before its post step removes it. */
const readReport = (run: ActionRun): Report =>
  JSON.parse(fs.readFileSync(run.outputs.report, 'utf8')) as Report

describe('the upgrade check', () => {
  let registry: TestRegistry
  const dirs: string[] = []
  const cacheHome = tempDir('aio-i13-cache-')
  const tag = (name: string) => `${registry.host}/${REPOSITORY}:${name}`
  /** The action on a release of the notes example, pushing `name` as its tag. */
  const release = async (migrations: Record<string, string>, name: string, inputs = {}) => {
    const dir = notesRelease(migrations)
    dirs.push(dir)
    return runAction(
      {
        config: path.join(dir, 'aio.yml'),
        name: 'aio-i13-notes',
        'migrate-command': 'sh migrate.sh',
        'idle-settle': '1s',
        'verify-hardened': 'false',
        tags: tag(name),
        push: 'true',
        ...inputs
      },
      { env: { DOCKER_CONFIG: registry.dockerConfig, XDG_CACHE_HOME: cacheHome } }
    )
  }
  /** Containers and volumes of a run the main step left behind (none: it removes its own). */
  const leftBehind = async (run: ActionRun) => {
    const label = `label=aio-image.run=${run.state['run-id']}`
    return [
      await docker('container', 'ls', '--all', '--quiet', '--filter', label),
      await docker('volume', 'ls', '--quiet', '--filter', label)
    ].filter(names => names !== '')
  }

  beforeAll(async () => {
    registry = await TestRegistry.start()
    const released = await release(RELEASE_1, '1')
    await runPost(released)
    if (released.exitCode !== 0) throw new Error(released.log)
    // What users run today is in the registry only: the check must pull it.
    await docker('image', 'rm', tag('1'))
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(cacheHome, { recursive: true, force: true })
    await registry?.stop()
    for (const name of ['1', '2', 'broken'])
      await dockerStatus('image', 'rm', `${registry.host}/${REPOSITORY}:${name}`)
  })

  it(
    'passes release 2 on the data release 1 left, pulled with the job credentials: ready, the row kept, migrated; pushed',
    async () => {
      const upgraded = await release(RELEASE_2, '2', { 'upgrade-from': tag('1') })
      const left = await leftBehind(upgraded)
      const report = readReport(upgraded)
      await runPost(upgraded)
      if (upgraded.exitCode !== 0) throw new Error(upgraded.log)
      expect(left).toEqual([])
      expect(upgraded.log).toContain(`upgrade from ${tag('1')}: pulled`)
      expect(upgraded.log).toMatch(/upgrade from \S+:1: ready in \d+\.\d{3} s on its data/)
      expect(upgraded.outputs['upgrade-time']).toMatch(/^\d+\.\d{3}$/)
      expect(report.runtime?.upgrade).toEqual({
        from: tag('1'),
        readySeconds: expect.any(Number),
        migrated: true
      })
      expect(report.runtime?.upgrade?.readySeconds).toBeCloseTo(
        Number(upgraded.outputs['upgrade-time']),
        3
      )
      expect(report.checks.find(check => check.id === 'upgrade-from')).toMatchObject({
        passed: true,
        actual: expect.stringMatching(
          /^ready in \d+\.\d{3} s on the data of .*:1, row kept, migrate command ran$/
        )
      })
      // No max-upgrade-time: the example's max-startup-time holds the upgrade.
      expect(report.checks.find(check => check.id === 'max-upgrade-time')).toMatchObject({
        budget: '10.000 s',
        passed: true
      })
      expect(upgraded.summary).toMatch(/\| upgrade to ready \| \d+\.\d{3} s \|/)
      expect(upgraded.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(await registry.manifestDigest(REPOSITORY, '2')).toBe(upgraded.outputs.digest)
    },
    BUILD_TIMEOUT
  )

  it(
    'fails the step at the upgrade when a migration fails on the data release 1 left, with its log, and pushes nothing',
    async () => {
      const broken = await release(BREAKING, 'broken', { 'upgrade-from': tag('1') })
      const left = await leftBehind(broken)
      const report = readReport(broken)
      await runPost(broken)
      expect(left).toEqual([])
      expect(broken.exitCode).toBe(1)
      expect(broken.outputs.passed).toBe('false')
      // Fresh databases took it: every other check passed.
      expect(report.checks.filter(check => !check.passed).map(check => check.id)).toEqual([
        'upgrade-from'
      ])
      expect(broken.outputs['startup-time']).toMatch(/^\d+\.\d{3}$/)
      expect(broken.outputs['upgrade-time']).toBe('')
      expect(report.runtime?.upgrade?.failed?.step).toBe('ready')
      const error = broken.log.split('\n').find(line => line.startsWith('::error::')) ?? ''
      expect(error).toContain(
        `::error::Upgrade: not ready on the data of ${tag('1')}, the container exited with code 1 before it was ready; its last log lines:`
      )
      expect(error).toContain('column "author" of relation "notes" contains null values')
      expect(error).toContain('the migration command failed; the app is not started')
      expect(broken.summary).toContain('not pushed: Upgrade failed')
      expect(broken.outputs.digest).toBe('')
      expect(await registry.manifestDigest(REPOSITORY, 'broken')).toBeUndefined()
    },
    BUILD_TIMEOUT
  )
})

// Backups a user can run without knowing the image's layout (README,
// "Backups"), on the notes example, for both supervisors: `aio backup` from
// one container, `aio restore` into a fresh container on an empty volume,
// the rows read back through the app; a backup saved into /data/backups; a
// damaged archive refused with the database left as it was.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import YAML from 'yaml'
import { ROOT } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import { dockerStatus, HARDENED_PROFILE, TestContainer } from '../helpers/docker.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)
const NOTES = path.join(ROOT, 'examples', 'notes')
// Names of their own, so that the command is seen to take them from the image.
const DATABASE = 'aio_it_backup_db'
const ROLE = 'aio_it_backup_owner'

/** A shell line on the host, as the README gives it: its exit code, stdout and stderr. */
async function shell(
  script: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('sh', ['-c', script, 'sh', ...args], {
      maxBuffer: 64 * 1024 * 1024
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof failure.code === 'number' ? failure.code : 1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? ''
    }
  }
}

/** SQL as the app's role inside the container (root maps to it by peer). */
const sql = (container: TestContainer, statement: string) =>
  container.psql(ROLE, DATABASE, statement)

/** The notes as the app serves them. */
async function notesOf(container: TestContainer): Promise<string[]> {
  const response = await fetch(container.url('/notes'))
  expect(response.status).toBe(200)
  return ((await response.json()) as Array<{ body: string }>).map(note => note.body)
}

async function post(container: TestContainer, body: string): Promise<void> {
  const response = await fetch(container.url('/notes'), { method: 'POST', body })
  expect(response.status).toBe(201)
}

describe.each(['supervisord', 's6'] as const)('aio backup and restore with %s', supervisor => {
  const name = `aio-it-backup-${supervisor}`
  const dir = tempDir('aio-backup-')
  let image: string
  const containers: TestContainer[] = []
  const booted = async (extra: string[] = []) => {
    const made = new TestContainer(image, 8000, `aio-it-bk-${supervisor}`)
    containers.push(made)
    await made.create(extra)
    await made.start()
    await made.ready()
    return made
  }
  let source: TestContainer
  // Enough rows that the archive's data outweighs its table of contents.
  const MANY = 3000
  const written = ['first note', "it's a quote", 'ünïcødé ✓']

  beforeAll(async () => {
    const example = YAML.parse(fs.readFileSync(path.join(NOTES, 'aio.yml'), 'utf8')) as Record<
      string,
      unknown
    >
    image = await buildTestImage(
      testSpec({
        ...example,
        context: NOTES,
        name,
        supervisor,
        'postgres-database': DATABASE,
        'postgres-role': ROLE,
        // An extension of the image's, which the app's role can neither drop nor create.
        'postgres-extensions': ['citext']
      })
    )
    source = await booted()
    for (const body of written) await post(source, body)
    await sql(
      source,
      `INSERT INTO notes (body) SELECT md5(g::text) FROM generate_series(1, ${MANY}) g`
    )
    await sql(
      source,
      "CREATE TABLE tags (name citext PRIMARY KEY); INSERT INTO tags VALUES ('Hello')"
    )
  }, 15 * 60_000)

  afterAll(async () => {
    for (const made of containers) await made.remove()
    await dockerStatus('image', 'rm', `${name}:latest`)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it('backs up to stdout and restores into a fresh container on an empty volume', async () => {
    const archive = path.join(dir, 'app.dump')
    const backup = await shell('docker exec "$1" aio backup > "$2"', source.name, archive)
    expect(backup).toMatchObject({ code: 0, stderr: '' })
    // pg_dump's custom format starts with PGDMP.
    expect(fs.readFileSync(archive).subarray(0, 5).toString()).toBe('PGDMP')

    const fresh = await booted()
    expect(await notesOf(fresh)).toEqual([])
    const restore = await shell('docker exec -i "$1" aio restore < "$2"', fresh.name, archive)
    expect(restore.code).toBe(0)
    expect(restore.stderr).toContain(
      `aio: restored the archive on stdin into database ${DATABASE}, owned by role ${ROLE}`
    )
    const notes = await notesOf(fresh)
    expect(notes.slice(0, written.length)).toEqual(written)
    expect(notes).toHaveLength(written.length + MANY)
    // The app keeps working on what it owns: a new row takes the next id.
    expect(
      await sql(
        fresh,
        "SELECT string_agg(tableowner, ',') FROM pg_tables WHERE schemaname = 'public'"
      )
    ).toBe(`${ROLE},${ROLE}`)
    expect(await sql(fresh, "SELECT name FROM tags WHERE name = 'HELLO'")).toBe('Hello')
    await post(fresh, 'after the restore')
    expect(await sql(fresh, "SELECT id FROM notes WHERE body = 'after the restore'")).toBe(
      String(written.length + MANY + 1)
    )
  }, 120_000)

  it('saves into /data/backups and prints the path when stdout is a terminal, or with --save', async () => {
    // -t: the command's stdout is a terminal, as when a user types it.
    const onTerminal = await dockerStatus('exec', '-t', source.name, 'aio', 'backup')
    expect(onTerminal.code).toBe(0)
    const saved = onTerminal.output.trim()
    expect(saved).toMatch(new RegExp(`^/data/backups/${DATABASE}-\\d{8}T\\d{6}Z(-\\d+)?\\.dump$`))
    const withFlag = await source.exec('aio', 'backup', '--save')
    expect(withFlag.code).toBe(0)
    expect(withFlag.output.trim()).toMatch(/^\/data\/backups\/.+\.dump$/)
    expect(withFlag.output.trim()).not.toBe(saved)
    // Root's alone, and nothing half-written left beside them.
    expect((await source.exec('stat', '-c', '%a %U', '/data/backups', saved)).output).toBe(
      '700 root\n600 root\n'
    )
    expect((await source.exec('ls', '-A', '/data/backups')).output.trim().split('\n')).toEqual(
      [saved, withFlag.output.trim()].map(file => path.basename(file)).sort()
    )
    // A saved file restores by its path: rows written since are gone again.
    await post(source, 'written after the backup')
    const restore = await source.exec('aio', 'restore', saved)
    expect(restore).toMatchObject({ code: 0 })
    const notes = await notesOf(source)
    expect(notes).toHaveLength(written.length + MANY)
    expect(notes).not.toContain('written after the backup')
  }, 120_000)

  it('refuses a damaged archive with a message and leaves the rows as they were', async () => {
    const fresh = await booted()
    await post(fresh, 'kept')
    const before = await notesOf(fresh)
    const archive = path.join(dir, 'whole.dump')
    expect((await shell('docker exec "$1" aio backup > "$2"', source.name, archive)).code).toBe(0)
    const whole = fs.readFileSync(archive)

    // Cut in its data: the table of contents reads, the restore fails after
    // its DROPs, and the one transaction undoes them.
    const truncated = path.join(dir, 'truncated.dump')
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.8)))
    const cut = await shell('docker exec -i "$1" aio restore < "$2"', fresh.name, truncated)
    expect(cut.code).toBe(1)
    expect(cut.stderr).toContain(
      `aio: ERROR: restoring the archive on stdin into database ${DATABASE} failed (pg_restore's error is above); the database is as it was`
    )
    expect(await notesOf(fresh)).toEqual(before)

    const garbage = path.join(dir, 'garbage.dump')
    fs.writeFileSync(garbage, 'not an archive\n'.repeat(100))
    const notArchive = await shell('docker exec -i "$1" aio restore < "$2"', fresh.name, garbage)
    expect(notArchive.code).toBe(1)
    expect(notArchive.stderr).toMatch(
      /^aio: ERROR: the archive on stdin is not a pg_dump custom-format archive \(pg_restore: error: [^\n]*valid archive[^\n]*\); the database is unchanged\n$/
    )
    expect(await notesOf(fresh)).toEqual(before)

    // Nothing on stdin (docker exec without -i): a message, not a restore.
    const nothing = await fresh.exec('aio', 'restore')
    expect(nothing.code).toBe(1)
    expect(nothing.output).toContain('aio: ERROR: no archive on stdin')
    expect(await notesOf(fresh)).toEqual(before)
    // The restore's working files are gone.
    expect((await fresh.exec('ls', '-A', '/data/backups')).output.trim()).toBe('')
    expect(
      (await fresh.exec('sh', '-c', 'ls -d /tmp/aio-restore.* 2>/dev/null; true')).output
    ).toBe('')
  }, 120_000)

  it('backs up and restores as an arbitrary non-root uid on a read-only root', async () => {
    const hardened = await booted([...HARDENED_PROFILE, '--user', '12345:0'])
    await post(hardened, 'as uid 12345')
    const archive = path.join(dir, 'non-root.dump')
    expect(await shell('docker exec "$1" aio backup > "$2"', hardened.name, archive)).toMatchObject(
      { code: 0, stderr: '' }
    )
    await post(hardened, 'after the backup')
    const restore = await shell('docker exec -i "$1" aio restore < "$2"', hardened.name, archive)
    expect(restore.code).toBe(0)
    expect(await notesOf(hardened)).toEqual(['as uid 12345'])
    const saved = await hardened.exec('aio', 'backup', '--save')
    expect(saved.code).toBe(0)
    expect(
      (await hardened.exec('stat', '-c', '%a %u', '/data/backups', saved.output.trim())).output
    ).toBe('700 12345\n600 12345\n')
  }, 120_000)
})

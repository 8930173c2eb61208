// PostgreSQL major upgrades at boot (postgres-upgrade-from) on a real
// engine, across two majors that Debian's archive carries: the notes
// example on bookworm with PostgreSQL 15, the image users run today, and on
// trixie with 17 carrying bookworm's 15 to upgrade from; for both
// supervisors. Rows written under 15 are read back under 17, as root and as
// an arbitrary uid under the hardened profile; a kill half-way through
// pg_upgrade and a cluster pg_upgrade refuses both leave the 15 data
// directory to the 15 image, which starts on it again. Then the action's
// upgrade check across the two majors, with its figure.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { ROOT, runAction, runPost } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import { docker, dockerStatus, HARDENED_PROFILE, TestContainer } from '../helpers/docker.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir } from '../helpers/tmp.js'
import type { Report } from '../../src/report/model.js'

const BUILD_TIMEOUT = 15 * 60_000
const NOTES = path.join(ROOT, 'examples', 'notes')
const APP = {
  context: NOTES,
  'app-command': 'exec python3 app.py',
  'app-packages': ['python3', 'python3-psycopg'],
  // pg_stat_statements is 1.10 in 15 and 1.11 in 17: pg_upgrade lists it in
  // update_extensions.sql, and pg_upgrade's servers must preload it
  'postgres-extensions': ['pg_trgm', 'pg_stat_statements']
}
const WORDS_WITH_ABC = "SELECT count(*) FROM words WHERE word LIKE '%abc%'"
const HARDENED = [...HARDENED_PROFILE, '--user', '12345:0']
const UPGRADED_LINE = /aio: upgraded \/data\/postgres from PostgreSQL 15 to 17 in \d+ s/

/** The released image of the notes example: bookworm, PostgreSQL 15. */
const buildReleased = (name: string, supervisor: string) =>
  buildTestImage(
    testSpec({
      ...APP,
      name,
      supervisor,
      'base-image': 'debian:bookworm-slim',
      'postgres-version': 15,
      tags: [`${name}:released`]
    })
  )

/** Kills the container (SIGKILL) the moment its log shows a line starting with `marker`. */
async function killWhenLogged(container: TestContainer, marker: string): Promise<void> {
  const follow = spawn('docker', ['logs', '--follow', container.name], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines = [
    createInterface({ input: follow.stdout }),
    createInterface({ input: follow.stderr })
  ]
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${marker}" in 120 s`)), 120_000)
      let seen = false
      const onLine = (line: string) => {
        if (seen || !line.startsWith(marker)) return
        seen = true
        clearTimeout(timer)
        docker('kill', container.name).then(() => resolve(), reject)
      }
      for (const reader of lines) reader.on('line', onLine)
      // the kill ends the log too
      follow.on('exit', () => {
        if (seen) return
        clearTimeout(timer)
        reject(new Error(`the container stopped before "${marker}"`))
      })
    })
  } finally {
    for (const reader of lines) reader.close()
    follow.kill()
  }
}

describe.each(['supervisord', 's6'] as const)('PostgreSQL 15 to 17 with %s', supervisor => {
  const name = `aio-pgup-${supervisor}`
  const database = name.replace(/-/g, '_')
  let released: string
  let upgrading: string
  const containers: TestContainer[] = []
  // what the released image answered, to compare with the upgraded one
  let wordsWithAbc = ''

  const created = async (image: string, volume?: string, extra: string[] = []) => {
    const made = new TestContainer(image, 8000, `aio-it-pgup-${supervisor}`, {}, volume)
    containers.push(made)
    await made.create(extra)
    return made
  }
  const boot = async (image: string, volume?: string, extra: string[] = []) => {
    const made = await created(image, volume, extra)
    await made.start()
    return made
  }
  const notes = async (container: TestContainer) =>
    ((await (await fetch(container.url('/notes'))).json()) as Array<{ body: string }>).map(
      note => note.body
    )

  /**
   * The released image's container, on a fresh volume: a note through the
   * app, a table with a trigram index, then stopped (docker stop, or kill).
   */
  const releasedData = async (
    options: { sql?: string; stop?: 'stop' | 'kill'; extra?: string[] } = {}
  ) => {
    const old = await boot(released, undefined, options.extra)
    await old.ready()
    expect((await fetch(old.url('/notes'), { method: 'POST', body: 'kept from 15' })).status).toBe(
      201
    )
    await old.psql(
      'postgres',
      database,
      `CREATE TABLE words AS SELECT n, md5(n::text) AS word FROM generate_series(1, 5000) n;
       CREATE INDEX words_trgm ON words USING gin (word gin_trgm_ops);
       ALTER TABLE words OWNER TO ${database}; ${options.sql ?? ''}`
    )
    wordsWithAbc = await old.psql(database, database, WORDS_WITH_ABC)
    expect(await pgStatStatementsVersion(old)).toBe('1.10')
    await docker(options.stop ?? 'stop', old.name)
    return old
  }
  const pgStatStatementsVersion = (container: TestContainer) =>
    container.psql(
      'postgres',
      database,
      "SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'"
    )

  beforeAll(async () => {
    released = await buildReleased(name, supervisor)
    upgrading = await buildTestImage(
      testSpec({
        ...APP,
        name,
        supervisor,
        'postgres-upgrade-from': ['15'],
        tags: [`${name}:next`]
      })
    )
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    for (const container of containers) await container.remove()
    await dockerStatus('image', 'rm', `${name}:released`, `${name}:next`)
  }, 120_000)

  it('upgrades the released data at boot: rows, index and extension kept, statistics made, the old directory gone', async () => {
    const { volume } = await releasedData()
    const upgraded = await boot(upgrading, volume)
    const started = Date.now()
    await upgraded.ready('/health', 180_000)
    console.info(`${supervisor}: 15 -> 17 upgraded and ready in ${Date.now() - started} ms`)
    const log = await upgraded.logs()
    expect(log).toMatch(UPGRADED_LINE)
    expect(log).toContain('Upgrade Complete')
    expect(await upgraded.psql('postgres', database, 'SHOW server_version')).toMatch(/^17\./)
    expect(await notes(upgraded)).toEqual(['kept from 15'])
    // the table read as the app's role, through the trigram index, with statistics the upgrade made
    expect(await upgraded.psql(database, database, WORDS_WITH_ABC)).toBe(wordsWithAbc)
    expect(
      await upgraded.psql(
        database,
        database,
        `SET enable_seqscan = off; EXPLAIN (COSTS OFF) ${WORDS_WITH_ABC}`
      )
    ).toContain('Bitmap Index Scan on words_trgm')
    expect(
      await upgraded.psql(
        'postgres',
        database,
        "SELECT count(*) FROM pg_stats WHERE tablename = 'words'"
      )
    ).toBe('2')
    // updated to the version 17 ships (pg_upgrade's update_extensions.sql)
    expect(await pgStatStatementsVersion(upgraded)).toBe('1.11')
    // the database keeps the collation it was made with (glibc's C.UTF-8)
    expect(
      await upgraded.psql(
        'postgres',
        database,
        'SELECT datlocprovider, datcollate FROM pg_database WHERE datname = current_database()'
      )
    ).toBe('c|C.UTF-8')
    expect((await upgraded.exec('ls', '/data')).output.split('\n').filter(Boolean)).toEqual([
      'app',
      'postgres',
      'secrets'
    ])
    // a restart is an ordinary boot
    await docker('restart', upgraded.name)
    await upgraded.ready()
    expect((await upgraded.logs()).match(/aio: upgraded/g)).toHaveLength(1)
    // and the released image cannot take the data back
    await docker('stop', upgraded.name)
    const back = await boot(released, volume)
    expect(await back.exitCode()).toBe(1)
    expect(await back.logs()).toContain(
      "was initialised by PostgreSQL 17, newer than this image's PostgreSQL 15, and a data directory cannot go back a major"
    )
  }, 300_000)

  it('leaves the 15 data directory as it was when killed half-way through pg_upgrade: the released image starts on it, the next boot upgrades it', async () => {
    // the released image killed too: the upgrade recovers its cluster first
    const { volume } = await releasedData({ stop: 'kill' })
    const killed = await created(upgrading, volume)
    await killed.start()
    await killWhenLogged(killed, 'Performing Upgrade')
    expect(await killed.logs()).toContain(
      'aio: /data/postgres was not shut down cleanly (in production): recovering it with PostgreSQL 15 first'
    )
    // half-way: pg_upgrade had built part of the new cluster beside the old one
    expect(
      await killed.onVolume(
        'cat /data/postgres/PG_VERSION; cat /data/postgres.upgrading/PG_VERSION; ls /data'
      )
    ).toBe('15\n17\napp\npostgres\npostgres.upgrading\nsecrets')

    const old = await boot(released, volume)
    await old.ready()
    expect(await old.psql('postgres', database, 'SHOW server_version')).toMatch(/^15\./)
    expect(await notes(old)).toEqual(['kept from 15'])
    await docker('stop', old.name)

    const upgraded = await boot(upgrading, volume)
    await upgraded.ready('/health', 180_000)
    expect(await upgraded.logs()).toMatch(UPGRADED_LINE)
    expect(await notes(upgraded)).toEqual(['kept from 15'])
  }, 300_000)

  it('fails the boot on a cluster pg_upgrade refuses, naming the step and the cause, with the 15 data kept', async () => {
    // a reg* column: pg_upgrade cannot carry the OIDs it holds
    const { volume } = await releasedData({
      sql: `CREATE TABLE hooks (handler regproc); INSERT INTO hooks VALUES ('now');`
    })
    const refused = await boot(upgrading, volume)
    expect(await refused.exitCode()).toBe(1)
    const log = await refused.logs()
    expect(log).toContain('Your installation contains one of the reg* data types in user tables.')
    expect(log).toContain('aio: tables_using_reg.txt:')
    expect(log).toContain('public.hooks.handler')
    expect(log).toContain(
      "aio: ERROR: upgrading /data/postgres from PostgreSQL 15 to 17 failed while running pg_upgrade (the cause is above; pg_upgrade's logs are kept in /data/postgres-upgrade-logs); /data/postgres is left for the previous image, on PostgreSQL 15, which still starts on this volume"
    )
    expect(log).not.toContain('notes: listening')
    expect(await refused.onVolume('ls /data; ls /data/postgres-upgrade-logs/*/log | sort')).toBe(
      'app\npostgres\npostgres-upgrade-logs\nsecrets\npg_upgrade_internal.log\npg_upgrade_server.log\npg_upgrade_utility.log'
    )

    const old = await boot(released, volume)
    await old.ready()
    expect(await notes(old)).toEqual(['kept from 15'])
  }, 300_000)

  it('redoes an upgrade whose swap never began, finishes one a stop cut between the renames, and stops when both copies and a third remain', async () => {
    const old = await releasedData()
    // a checked copy left before the commit rename: stale, as the 15 image may have written since
    await old.onVolume(
      'mkdir /data/postgres.upgraded && echo 17 > /data/postgres.upgraded/PG_VERSION'
    )
    const redone = await boot(upgrading, old.volume)
    await redone.ready('/health', 180_000)
    expect(await redone.logs()).toContain(
      'aio: discarding /data/postgres.upgraded, an upgraded copy whose swap a stop prevented; /data/postgres is upgraded again'
    )
    expect(await redone.logs()).toMatch(UPGRADED_LINE)
    await docker('stop', redone.name)

    // stopped between the two renames: the upgraded copy is the data
    const betweenRenames =
      'mv -T /data/postgres /data/postgres.upgraded && mkdir /data/postgres.retired && echo 15 > /data/postgres.retired/PG_VERSION'
    await redone.onVolume(betweenRenames)
    const finished = await boot(upgrading, old.volume)
    await finished.ready()
    expect(await finished.logs()).toContain(
      'aio: finishing the upgrade of /data/postgres to PostgreSQL 17 that a stop interrupted'
    )
    expect(await notes(finished)).toEqual(['kept from 15'])
    expect((await finished.exec('ls', '/data')).output.split('\n').filter(Boolean)).toEqual([
      'app',
      'postgres',
      'secrets'
    ])
    await docker('stop', finished.name)

    // ... and a data directory appeared meanwhile: nothing is chosen or deleted
    await finished.onVolume(`${betweenRenames} && mkdir /data/postgres`)
    const refused = await boot(upgrading, old.volume)
    expect(await refused.exitCode()).toBe(1)
    expect(await refused.logs()).toContain(
      'aio: ERROR: /data/postgres.upgraded holds the upgraded data and /data/postgres.retired the data before the upgrade, but /data/postgres appeared between the two (did an older image start on this volume?): move /data/postgres away to finish the upgrade'
    )
    expect(await refused.onVolume('ls /data')).toBe(
      'app\npostgres\npostgres.retired\npostgres.upgraded\nsecrets'
    )
  }, 300_000)

  it('upgrades as an arbitrary non-root uid under the hardened profile', async () => {
    const { volume } = await releasedData({ extra: HARDENED })
    const upgraded = await boot(upgrading, volume, HARDENED)
    await upgraded.ready('/health', 180_000)
    expect(await upgraded.logs()).toMatch(UPGRADED_LINE)
    expect(await notes(upgraded)).toEqual(['kept from 15'])
    expect((await upgraded.exec('stat', '-c', '%u', '/data/postgres')).output.trim()).toBe('12345')
  }, 300_000)

  it("carries bookworm's PostgreSQL 15 server with every library it links", async () => {
    const check = await dockerStatus(
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      upgrading,
      '-c',
      'for f in /usr/lib/postgresql/15/bin/* /usr/lib/postgresql/15/lib/*.so; do ldd "$f" | grep "not found" && exit 1; done; /usr/lib/postgresql/15/bin/postgres --version'
    )
    expect(check).toEqual({
      code: 0,
      output: expect.stringMatching(/^postgres \(PostgreSQL\) 15\.\d+/)
    })
  })
})

describe('the upgrade check across PostgreSQL majors', () => {
  const name = 'aio-pgup-check'
  const releasedTag = `${name}:released`
  const cacheHome = tempDir('aio-pgup-cache-')

  beforeAll(async () => {
    await buildReleased(name, 'supervisord')
  }, BUILD_TIMEOUT)

  afterAll(async () => {
    fs.rmSync(cacheHome, { recursive: true, force: true })
    await dockerStatus('image', 'rm', releasedTag, `${name}:2`)
  })

  it(
    'passes this image on the data the released 15 image left, timing the upgrade; the 15 server is a layer of its own',
    async () => {
      const run = await runAction(
        {
          config: path.join(NOTES, 'aio.yml'),
          name,
          'postgres-extensions': APP['postgres-extensions'].join(','),
          'postgres-upgrade-from': '15',
          'upgrade-from': releasedTag,
          // a budget far above the upgrade: the figure is reported, not raced
          'max-upgrade-time': '180s',
          'idle-settle': '1s',
          'verify-hardened': 'false',
          tags: `${name}:2`
        },
        { env: { XDG_CACHE_HOME: cacheHome } }
      )
      const report = JSON.parse(fs.readFileSync(run.outputs.report, 'utf8')) as Report
      await runPost(run)
      if (run.exitCode !== 0) throw new Error(run.log)
      console.info(
        `upgrade check 15 -> 17: upgrade-time ${run.outputs['upgrade-time']} s, startup-time ${run.outputs['startup-time']} s`
      )
      expect(run.outputs['upgrade-time']).toMatch(/^\d+\.\d{3}$/)
      expect(report.runtime?.upgrade).toMatchObject({
        from: releasedTag,
        readySeconds: expect.any(Number)
      })
      const layer = report.image.largestLayers.find(entry =>
        entry.createdBy.includes('/run/aio-upgrade-from-postgres-15/.')
      )
      expect(layer?.size).toBeGreaterThan(10_000_000)
      expect(run.summary).toContain('aio-upgrade-from-postgres-15')
    },
    BUILD_TIMEOUT
  )
})

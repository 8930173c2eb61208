import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import {
  APP_SOCKET,
  databaseUrl,
  renderArtifacts,
  roleAttributesClause,
  writeBuildContext
} from '../../src/render/render.js'
import { SCHEMA_FILE } from '../../src/paths.js'
import { UPGRADE_SOURCE_RELEASES } from '../../src/render/postgres.js'
import { testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const fileOf = (files: ReturnType<typeof renderArtifacts>, name: string) => {
  const file = files.find(candidate => candidate.path === name)
  if (!file) throw new Error(`${name} was not rendered; got ${files.map(f => f.path).join(', ')}`)
  return file
}

describe('renderArtifacts', () => {
  it('renders the supervisord set with PostgreSQL', () => {
    const files = renderArtifacts(testSpec())
    const paths = files.map(file => file.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'Dockerfile',
        'compose.yaml',
        'aio/etc/supervisord.conf',
        'aio/etc/postgresql.conf',
        'aio/etc/pg_hba.conf',
        'aio/lib/prepare-postgres',
        'aio/lib/on-fatal'
      ])
    )
    expect(paths.some(p => p.startsWith('aio/etc/s6/'))).toBe(false)
    expect(fileOf(files, 'aio/lib/entrypoint').mode).toBe(0o755)
    expect(fileOf(files, 'aio/etc/aio.env').mode).toBe(0o644)
  })

  it('renders the s6 set, and nothing of PostgreSQL with postgres-version none', () => {
    const files = renderArtifacts(testSpec({ supervisor: 's6', 'postgres-version': 'none' }))
    const paths = files.map(file => file.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'aio/etc/s6/app/run',
        'aio/etc/s6/.s6-svscan/SIGTERM',
        'aio/etc/s6/.s6-svscan/finish'
      ])
    )
    expect(paths.filter(p => /postgres|supervisord|pg_/.test(p))).toEqual([])
    const dockerfile = fileOf(files, 'Dockerfile').content
    expect(dockerfile).not.toMatch(/AS postgres|postgresql-|PGHOST/)
    expect(dockerfile).toContain("'s6'")
  })

  it('gives every service of both supervisors the same rule for one that cannot stay up', () => {
    const everything = { nginx: {} }
    const supervisord = fileOf(renderArtifacts(testSpec(everything)), 'aio/etc/supervisord.conf')
    const programs = supervisord.content.split(/^\[program:/m).slice(1)
    expect(programs).toHaveLength(3)
    const rules = programs.map(program => [
      Number(/^startsecs=(\d+)$/m.exec(program)?.[1]) * 1000,
      Number(/^startretries=(\d+)$/m.exec(program)?.[1]) + 1
    ])
    const s6 = renderArtifacts(testSpec({ ...everything, supervisor: 's6' }))
    for (const service of ['app', 'postgres', 'nginx']) {
      expect(fileOf(s6, `aio/etc/s6/${service}/run`).mode).toBe(0o755)
      const finish = fileOf(s6, `aio/etc/s6/${service}/finish`).content
      rules.push([
        Number(/"\$up_ms" -ge (\d+)/.exec(finish)?.[1]),
        Number(/"\$quick_exits" -ge (\d+)/.exec(finish)?.[1])
      ])
    }
    expect(new Set(rules.map(rule => rule.join(' ')))).toEqual(new Set(['1000 4']))
  })

  it('writes a Dockerfile whose stages carry PostgreSQL and the packages', () => {
    const dockerfile = fileOf(
      renderArtifacts(
        testSpec({ 'app-packages': ['python3'], 'postgres-extensions': ['vector', 'pg_trgm'] })
      ),
      'Dockerfile'
    ).content
    expect(dockerfile).toContain('FROM debian:trixie-slim AS postgres')
    expect(dockerfile).toContain(
      "'postgresql-17' 'binutils' 'icu-devtools' 'postgresql-17-pgvector'"
    )
    expect(dockerfile).toContain('/tmp/slim-icu /out')
    expect(dockerfile).toContain("'supervisor' 'python3'")
    expect(dockerfile).toContain('ENV PATH=/usr/lib/postgresql/17/bin:$PATH')
    expect(dockerfile).toContain(`DATABASE_URL="${databaseUrl('demo', 'demo')}"`)
    expect(dockerfile).toMatch(
      /WORKDIR \/app\n#.*\nCOPY app\/ \/app\/\nVOLUME \["\/data"\]\nEXPOSE 8000\n/
    )
    // The app comes last: a code-only change rebuilds only the last layer.
    const lastCopy = dockerfile.lastIndexOf('COPY ')
    expect(dockerfile.slice(lastCopy)).toMatch(/^COPY app\/ \/app\//)
    expect(dockerfile).not.toContain('&#')
  })

  it('checks the base is of the Debian family first in every stage on base-image', () => {
    const dockerfile = fileOf(
      renderArtifacts(testSpec({ 'base-image': 'example.com/os:1' })),
      'Dockerfile'
    ).content
    const check =
      "RUN --mount=type=bind,source=aio/check-base,target=/run/aio-check-base /run/aio-check-base 'example.com/os:1' 'Debian- and Ubuntu-based images"
    expect(dockerfile).toContain(`FROM example.com/os:1 AS postgres\n${check}`)
    expect(dockerfile).toMatch(
      /\nFROM example\.com\/os:1\n(?:#.*\n)*RUN --mount=type=bind,source=aio\/check-base,/
    )
  })

  it.each([
    ['ID=debian', 0],
    ['ID=ubuntu\nID_LIKE=debian', 0],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"', 0],
    ['ID=alpine', 1],
    ['ID=rhel\nID_LIKE="fedora"', 1],
    [undefined, 1]
  ])('check-base with os-release %j exits %d', (osRelease, code) => {
    const dir = tempDir()
    const release = path.join(dir, 'os-release')
    if (osRelease !== undefined) fs.writeFileSync(release, `${osRelease}\n`)
    const script = fileOf(renderArtifacts(testSpec()), 'aio/check-base').content
    fs.writeFileSync(path.join(dir, 'check-base'), script.replaceAll('/etc/os-release', release))
    const result = spawnSync('sh', [path.join(dir, 'check-base'), 'my/base:1', 'Debian'], {
      encoding: 'utf8'
    })
    expect(result.status).toBe(code)
    expect(result.stderr).toEqual(
      code === 0
        ? ''
        : expect.stringMatching(
            /^aio-image: base-image my\/base:1 is .*, which is not supported; expected Debian\n$/
          )
    )
  })

  it('keeps the full ICU data when asked', () => {
    const dockerfile = fileOf(
      renderArtifacts(testSpec({ 'postgres-icu': 'full' })),
      'Dockerfile'
    ).content
    expect(dockerfile).not.toContain('slim-icu /out')
    expect(dockerfile).not.toContain('icu-devtools')
  })

  it('preloads extensions that need it, in the server and in what pg_upgrade starts', () => {
    const files = renderArtifacts(
      testSpec({ 'postgres-extensions': ['pg_stat_statements'], 'postgres-upgrade-from': [15] })
    )
    for (const conf of ['aio/etc/postgresql.conf', 'aio/etc/pg-upgrade.conf']) {
      const content = fileOf(files, conf).content
      expect(content).toContain("shared_preload_libraries = 'pg_stat_statements'\n")
      expect(content).toContain('jit = off\n')
    }
    expect(fileOf(files, 'aio/etc/postgresql.conf').content).toContain("listen_addresses = ''")
    // pg_upgrade's servers take the image's access rules: peer over the socket
    expect(fileOf(files, 'aio/etc/pg-upgrade.conf').content).toContain(
      "hba_file = '/etc/aio/pg_hba.conf'\nident_file = '/etc/aio/pg_ident.conf'\n"
    )
  })

  it('shell-quotes values in aio.env so they arrive exactly as given', () => {
    const command = `python3 -c 'print("it\\'s $HOME \`id\`")' && echo "%(x)s"`
    const env = fileOf(
      renderArtifacts(testSpec({ 'app-command': command })),
      'aio/etc/aio.env'
    ).content
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'aio.env'), env)
    const read = execFileSync('sh', ['-c', `. ./aio.env && printf '%s' "$AIO_APP_COMMAND"`], {
      cwd: dir
    }).toString()
    expect(read).toBe(command)
  })

  it('writes a valid compose file', () => {
    const compose = YAML.parse(
      fileOf(renderArtifacts(testSpec({ tags: ['ghcr.io/acme/demo:1.0'] })), 'compose.yaml').content
    )
    expect(compose.services.demo).toMatchObject({
      image: 'ghcr.io/acme/demo:1.0',
      ports: ['8000:8000'],
      volumes: ['data:/data']
    })
  })

  it.each([
    ['supervisord', '17', false],
    ['s6', '17', true],
    ['s6', 'none', false],
    ['supervisord', 'none', true]
  ])(
    'renders shell scripts that pass shellcheck (%s, postgres %s, nginx %s)',
    (supervisor, version, nginx) => {
      const dir = tempDir()
      const files = renderArtifacts(
        testSpec({
          supervisor,
          'postgres-version': version,
          'migrate-command': 'node migrate.js',
          ...(nginx ? { nginx: { root: '/srv/www', proxy: ['/api'] } } : {})
        })
      )
      const scripts = files.filter(
        file =>
          file.content.startsWith('#!/bin/') ||
          file.path.endsWith('.sh') ||
          file.path.endsWith('aio.env')
      )
      for (const file of files) writeFiles(dir, { [file.path]: file.content })
      expect(scripts.length).toBeGreaterThan(5)
      // every executable but the Python launcher of supervisord is checked
      expect(scripts.map(script => script.path)).toEqual(
        expect.arrayContaining(
          files
            .filter(file => file.mode === 0o755 && file.path !== 'aio/lib/supervisord')
            .map(file => file.path)
        )
      )
      // throws with shellcheck's findings when any script has one
      execFileSync(
        'shellcheck',
        [
          '--shell=sh',
          ...scripts.filter(s => !s.content.startsWith('#!/bin/bash')).map(s => s.path)
        ],
        { cwd: dir }
      )
      execFileSync(
        'shellcheck',
        scripts.filter(s => s.content.startsWith('#!/bin/bash')).map(s => s.path),
        { cwd: dir }
      )
    }
  )
})

describe('PostgreSQL major upgrades (postgres-upgrade-from)', () => {
  const upgrading = (inputs: Record<string, unknown> = {}) =>
    renderArtifacts(
      testSpec({
        'base-image': 'debian:sid-slim',
        'postgres-version': 18,
        'postgres-upgrade-from': ['17', '15'],
        'postgres-extensions': ['vector'],
        ...inputs
      })
    )

  it('builds each older major from the Debian release that ships it, with its extensions', () => {
    const dockerfile = fileOf(upgrading(), 'Dockerfile').content
    for (const [major, release] of [
      [15, 'bookworm'],
      [17, 'trixie']
    ]) {
      expect(dockerfile).toContain(`FROM debian:${release}-slim AS postgres-${major}\n`)
      expect(dockerfile).toContain(
        `install -y --no-install-recommends 'postgresql-${major}' 'binutils' 'icu-devtools' 'postgresql-${major}-pgvector' \\`
      )
      // only the server pg_upgrade runs, and of its libraries those the image lacks
      expect(dockerfile).toContain(
        `/tmp/collect-postgres ${major} /out /tmp/image-libs 'postgres' 'pg_ctl' 'pg_controldata' 'pg_resetwal' \\\n && /tmp/slim-icu /out`
      )
      // in a layer of its own, so that its size is a line of the largest layers
      expect(dockerfile).toContain(
        `RUN --mount=type=bind,from=postgres-${major},source=/out,target=/run/aio-upgrade-from-postgres-${major} \\\n    cp -an /run/aio-upgrade-from-postgres-${major}/. / && ldconfig\n`
      )
    }
    // the image's own major brings pg_upgrade and every tool it checks for, and lists its libraries
    expect(dockerfile).toContain(
      "/tmp/collect-postgres 18 /out /tmp/base-libs 'postgres' 'initdb' 'pg_ctl' 'pg_isready' 'psql' 'pg_dump' 'pg_dumpall' 'pg_restore' 'pg_controldata' 'pg_resetwal' 'pg_upgrade' 'vacuumdb'"
    )
    expect(dockerfile).toContain("find /out -name '*.so*' | sed 's|^/out||'; } > /tmp/image-libs")
    expect(fileOf(upgrading(), 'aio/etc/aio.env').content).toContain(
      "AIO_PG_UPGRADE_FROM='15 17'\n"
    )
  })

  it('leaves images without it as they were: no older server, no pg_upgrade', () => {
    const files = renderArtifacts(testSpec())
    const dockerfile = fileOf(files, 'Dockerfile').content
    expect(dockerfile).not.toMatch(/AS postgres-\d+|pg_upgrade|image-libs/)
    expect(files.map(file => file.path)).not.toContain('aio/etc/pg-upgrade.conf')
    expect(fileOf(files, 'aio/etc/aio.env').content).toContain("AIO_PG_UPGRADE_FROM=''\n")
    // an interrupted upgrade is still finished by any image with PostgreSQL
    expect(fileOf(files, 'aio/lib/upgrade-postgres').mode).toBe(0o755)
  })

  it('offers exactly the majors it knows a Debian release of', () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as {
      properties: Record<string, { items: { anyOf: Array<{ enum: unknown[] }> } }>
    }
    const [numbers, strings] = schema.properties['postgres-upgrade-from'].items.anyOf
    const majors = Object.keys(UPGRADE_SOURCE_RELEASES)
    expect(numbers.enum.map(String)).toEqual(majors)
    expect(strings.enum).toEqual(majors)
  })
})

describe('the aio command (backup and restore)', () => {
  it('is /usr/local/bin/aio, executable, in every image with PostgreSQL and in none without', () => {
    for (const supervisor of ['supervisord', 's6']) {
      const files = renderArtifacts(testSpec({ supervisor }))
      const command = fileOf(files, 'aio/bin/aio')
      expect(command.mode).toBe(0o755)
      expect(command.content).toMatch(/^#!\/bin\/sh\n# \/usr\/local\/bin\/aio: backups/)
      expect(command.content).toMatch(/^set -eu$/m)
      expect(fileOf(files, 'Dockerfile').content).toContain('COPY aio/bin/aio /usr/local/bin/aio\n')
    }
    for (const supervisor of ['supervisord', 's6']) {
      const files = renderArtifacts(testSpec({ supervisor, 'postgres-version': 'none' }))
      expect(files.map(file => file.path).filter(p => p.startsWith('aio/bin/'))).toEqual([])
      expect(fileOf(files, 'Dockerfile').content).not.toContain('/usr/local/bin/aio')
    }
  })

  it('passes the database and role to pg_dump and pg_restore as arguments, never in SQL', () => {
    const command = fileOf(renderArtifacts(testSpec()), 'aio/bin/aio').content
    expect(command).toContain(
      'pg_dump --format=custom --username=postgres --dbname="$AIO_PG_DATABASE"'
    )
    expect(command).toMatch(
      /pg_restore --single-transaction --clean --if-exists --no-owner \\\n\s+--role="\$AIO_PG_ROLE" --username=postgres --dbname="\$AIO_PG_DATABASE"/
    )
    expect(command).not.toMatch(/psql|--command|-c /)
  })

  /** Runs the rendered command with its image paths moved into a temp dir (no PostgreSQL is reached). */
  function runCommand(...args: string[]) {
    const dir = tempDir()
    const files = renderArtifacts(testSpec())
    const moved = (name: string) =>
      fileOf(files, name)
        .content.replaceAll('/usr/local/lib/aio/', `${dir}/lib/`)
        .replaceAll('/etc/aio/', `${dir}/etc/`)
    writeFiles(dir, {
      'lib/common.sh': moved('aio/lib/common.sh'),
      'etc/aio.env': moved('aio/etc/aio.env'),
      aio: moved('aio/bin/aio')
    })
    return spawnSync('sh', [path.join(dir, 'aio'), ...args], { encoding: 'utf8', input: '' })
  }

  it('names its commands in the usage; an unknown one, or none, exits 2 with nothing on stdout', () => {
    const help = runCommand('help')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^usage: aio COMMAND\n/)
    expect(help.stdout).toMatch(/^ {2}backup \[-\|--save\]/m)
    expect(help.stdout).toMatch(/^ {2}restore \[FILE\|-\]/m)
    expect(help.stdout).toContain('docker exec CONTAINER aio backup > app.dump')
    expect(help.stdout).toContain('docker exec -i CONTAINER aio restore < app.dump')
    for (const [args, message] of [
      [['frobnicate'], 'aio: ERROR: unknown command: frobnicate'],
      [[], 'aio: ERROR: no command given'],
      [['backup', 'extra'], 'aio: ERROR: aio backup takes - or --save, not extra'],
      [['backup', '-', '-'], 'aio: ERROR: aio backup takes one argument at most'],
      [['restore', 'a', 'b'], 'aio: ERROR: aio restore takes one archive at most']
    ] as const) {
      const result = runCommand(...args)
      expect({ args, status: result.status, stdout: result.stdout }).toEqual({
        args,
        status: 2,
        stdout: ''
      })
      expect(result.stderr).toContain(`${message}\n`)
      expect(result.stderr).toContain('usage: aio COMMAND')
    }
  })

  it('refuses an archive that is not a readable file before reaching the database', () => {
    const result = runCommand('restore', '/nonexistent/app.dump')
    expect(result.status).toBe(1)
    expect(result.stderr).toBe('aio: ERROR: /nonexistent/app.dump is not a readable file\n')
  })
})

describe("the reference systems' features", () => {
  const santa = () =>
    renderArtifacts(
      testSpec({
        'app-port': 8080,
        'postgres-version': 'none',
        nginx: { root: '/srv/www', proxy: ['/api', '/events'] },
        'build-stages': [
          {
            name: 'frontend',
            packages: ['nodejs', 'npm'],
            commands: ['npm ci', 'npm run build -- --x="$Y"'],
            copy: [{ from: 'dist', to: '/srv/www' }]
          }
        ]
      })
    )

  it('puts nginx in front as a third service, with the app on a socket', () => {
    const files = santa()
    const dockerfile = fileOf(files, 'Dockerfile').content
    expect(dockerfile).toContain("'supervisor' 'nginx'")
    expect(dockerfile).toContain('useradd --system --uid 101 --gid nginx')
    expect(dockerfile).toContain(`ENV APP_SOCKET="${APP_SOCKET}"`)
    expect(fileOf(files, 'aio/etc/supervisord.conf').content).toMatch(
      /\[program:nginx\]\ncommand=\/usr\/local\/lib\/aio\/run-nginx\npriority=30\n/
    )
    expect(fileOf(files, 'aio/etc/aio.env').content).toContain(`AIO_APP_SOCKET='${APP_SOCKET}'`)
    const s6 = renderArtifacts(testSpec({ supervisor: 's6', nginx: {} })).map(f => f.path)
    expect(s6).toEqual(expect.arrayContaining(['aio/etc/s6/nginx/run', 'aio/lib/run-nginx']))
    expect(renderArtifacts(testSpec()).map(f => f.path)).not.toContain('aio/etc/nginx.conf')
  })

  it('writes an nginx.conf that serves the SPA and proxies the prefixes and health', () => {
    const conf = fileOf(santa(), 'aio/etc/nginx.conf').content
    expect(conf).toContain('listen 8080;')
    expect(conf).toContain('root /srv/www;')
    expect(conf).toContain(`server unix:${APP_SOCKET};`)
    expect(conf).toMatch(/location = \/health \{\n\s+proxy_pass http:\/\/app;/)
    expect(conf).toMatch(/location \/api \{\n\s+proxy_pass http:\/\/app;/)
    expect(conf).toMatch(/location \/events \{/)
    expect(conf).toContain('proxy_set_header Upgrade $http_upgrade;')
    expect(conf).toMatch(/location \/ \{\n\s+try_files \$uri \$uri\/ \/index.html;/)
    // without static files, everything goes to the app
    const proxyOnly = fileOf(
      renderArtifacts(testSpec({ nginx: {}, 'health-path': '/ready?full=1' })),
      'aio/etc/nginx.conf'
    ).content
    expect(proxyOnly).not.toMatch(/^\s*root /m)
    expect(proxyOnly).toMatch(/location \/ \{\n\s+proxy_pass http:\/\/app;/)
    expect(proxyOnly).toContain('location = /ready {')
  })

  it('writes build stages whose outputs are copied in before the app', () => {
    const dockerfile = fileOf(santa(), 'Dockerfile').content
    expect(dockerfile).toContain('FROM debian:trixie-slim AS build-frontend')
    expect(dockerfile).toContain("install -y --no-install-recommends 'nodejs' 'npm'")
    expect(dockerfile).toContain('COPY stages/frontend/ /build/')
    expect(dockerfile).toContain('RUN ["/bin/sh","-c","npm ci"]')
    expect(dockerfile).toContain('RUN ["/bin/sh","-c","npm run build -- --x=\\"$Y\\""]')
    expect(dockerfile).toMatch(
      /COPY --from=build-frontend \/build\/dist \/srv\/www\nWORKDIR \/app\n(#.*\n)*COPY app\/ \/app\//
    )
  })

  it('writes app-env as ENV lines, escaped', () => {
    const dockerfile = fileOf(
      renderArtifacts(testSpec({ 'app-env': { MODE: 'genie', ODD: 'a "b" $c' } })),
      'Dockerfile'
    ).content
    expect(dockerfile).toContain('ENV MODE="genie"')
    expect(dockerfile).toContain('ENV ODD="a \\"b\\" \\$c"')
  })

  it('writes postgres-settings, merging the preloads extensions need', () => {
    const conf = fileOf(
      renderArtifacts(
        testSpec({
          'postgres-extensions': ['pg_stat_statements'],
          'postgres-settings': {
            wal_level: 'logical',
            max_wal_senders: 10,
            shared_preload_libraries: 'auto_explain'
          }
        })
      ),
      'aio/etc/postgresql.conf'
    ).content
    const tail = conf.slice(conf.indexOf("wal_level = 'logical'"))
    expect(tail).toContain("max_wal_senders = '10'")
    expect(tail).toContain("shared_preload_libraries = 'auto_explain,pg_stat_statements'")
    // later lines win in postgresql.conf: the spec's settings come after the defaults
    expect(conf.indexOf("wal_level = 'logical'")).toBeGreaterThan(
      conf.indexOf('wal_level = minimal')
    )
  })

  it('states every role attribute, on or off, and the migration command', () => {
    const env = fileOf(
      renderArtifacts(
        testSpec({ 'postgres-role-attributes': ['REPLICATION'], 'migrate-command': "echo 'go'" })
      ),
      'aio/etc/aio.env'
    ).content
    expect(env).toContain(
      "AIO_PG_ROLE_ATTRIBUTES='NOCREATEDB NOCREATEROLE REPLICATION NOBYPASSRLS'"
    )
    expect(env).toContain(`AIO_MIGRATE_COMMAND='echo '\\''go'\\'''`)
    expect(roleAttributesClause([])).toBe('NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS')
  })
})

describe('writeBuildContext', () => {
  it('copies stage contexts and numbered init SQL files', async () => {
    const dir = tempDir()
    writeFiles(dir, {
      'app/app.py': '',
      'web/package.json': '{}',
      'web/.dockerignore': 'node_modules/\n',
      'web/node_modules/x/index.js': '',
      'sql/schema.sql': 'CREATE TABLE a ();',
      'sql/seed.sql': 'INSERT INTO a DEFAULT VALUES;'
    })
    const out = path.join(dir, 'rendered')
    await writeBuildContext(
      testSpec({
        context: path.join(dir, 'app'),
        'init-sql': [path.join(dir, 'sql/seed.sql'), path.join(dir, 'sql/schema.sql')],
        'build-stages': [
          {
            name: 'web',
            context: path.join(dir, 'web'),
            commands: ['true'],
            copy: [{ from: '.', to: '/srv' }]
          }
        ]
      }),
      out
    )
    expect(fs.readdirSync(path.join(out, 'stages/web'))).toEqual(['.dockerignore', 'package.json'])
    expect(fs.readdirSync(path.join(out, 'aio/etc/init-sql'))).toEqual([
      '01-seed.sql',
      '02-schema.sql'
    ])
  })

  it('lays out the artifacts and the app, honouring .dockerignore', async () => {
    const context = tempDir()
    writeFiles(context, {
      'app.py': 'print(1)',
      'src/lib.py': '',
      '.dockerignore': 'secrets/\n*.log\n!keep.log\n',
      'secrets/token': 'x',
      'debug.log': '',
      'keep.log': ''
    })
    const out = path.join(context, '.aio', 'rendered')
    await writeBuildContext(testSpec({ context }), out)
    const app = path.join(out, 'app')
    expect(fs.existsSync(path.join(out, 'Dockerfile'))).toBe(true)
    expect(fs.existsSync(path.join(app, 'app.py'))).toBe(true)
    expect(fs.existsSync(path.join(app, 'src/lib.py'))).toBe(true)
    expect(fs.existsSync(path.join(app, 'keep.log'))).toBe(true)
    expect(fs.existsSync(path.join(app, 'debug.log'))).toBe(false)
    expect(fs.existsSync(path.join(app, 'secrets/token'))).toBe(false)
    // the rendered directory inside the context is not copied into itself
    expect(fs.existsSync(path.join(app, '.aio'))).toBe(false)
    expect((fs.statSync(path.join(out, 'aio/lib/entrypoint')).mode & 0o777).toString(8)).toBe('755')
  })
})

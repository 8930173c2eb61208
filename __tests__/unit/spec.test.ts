import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { DEFAULTS } from '../../src/spec/defaults.js'
import { findSpecFile, readSpecFile, resolveSpec, resolveSpecs } from '../../src/spec/load.js'
import { sanitizeName } from '../../src/spec/normalize.js'
import { fieldDescription } from '../../src/spec/validate.js'
import { specProblems, testSpec } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

describe('the table of defaults', () => {
  it('is what action.yml tells users, input by input', () => {
    const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string }>
    }
    for (const [field, value] of Object.entries(DEFAULTS)) {
      const description = action.inputs[field]?.description ?? ''
      expect([field, description]).toEqual([
        field,
        expect.stringMatching(
          new RegExp(`Default "?${String(value).replace(/\./g, '\\.')}"?(?!\\w)`)
        )
      ])
    }
  })
})

describe('resolveSpec defaults', () => {
  it('fills the contract defaults', () => {
    const spec = testSpec()
    expect(spec).toMatchObject({
      name: 'demo',
      baseImage: 'debian:trixie-slim',
      app: { port: 8000, healthPath: '/health', packages: [] },
      postgres: { version: 17, database: 'demo', role: 'demo', extensions: [] },
      supervisor: 'supervisord',
      tags: ['demo:latest'],
      verify: true,
      idleSettle: 10_000,
      failOnBudget: true
    })
    expect(spec.context).toBe(process.cwd())
  })

  it('turns - and . into _ for the database and role', () => {
    expect(testSpec({ name: 'my-app.v2' }).postgres).toMatchObject({
      database: 'my_app_v2',
      role: 'my_app_v2'
    })
  })

  it('drops the database with postgres-version none', () => {
    expect(testSpec({ 'postgres-version': 'none' }).postgres).toBeUndefined()
  })

  it('parses budgets into bytes and seconds, the units of the report', () => {
    const spec = testSpec({
      'max-image-size': '300MB',
      'max-startup-time': '1.5s',
      'max-idle-memory': '64MiB'
    })
    expect(spec.budgets).toEqual({
      maxImageSize: 300_000_000,
      maxStartupTime: 1.5,
      maxIdleMemory: 64 * 1024 ** 2,
      maxUpgradeTime: 1.5
    })
  })

  it('holds the upgrade to max-upgrade-time, else to the startup budget', () => {
    const upgrade = { 'upgrade-from': 'ghcr.io/acme/demo:1.2.3', 'max-startup-time': '10s' }
    expect(testSpec(upgrade)).toMatchObject({
      upgradeFrom: 'ghcr.io/acme/demo:1.2.3',
      budgets: { maxStartupTime: 10, maxUpgradeTime: 10 }
    })
    expect(testSpec({ ...upgrade, 'max-upgrade-time': '30s' }).budgets.maxUpgradeTime).toBe(30)
    expect(testSpec().upgradeFrom).toBeUndefined()
  })

  it('lower-cases the repository of upgrade-from as of tags, keeping host, tag and digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`
    expect(testSpec({ 'upgrade-from': 'ghcr.io/Acme/App:V1' }).upgradeFrom).toBe(
      'ghcr.io/acme/app:V1'
    )
    expect(
      testSpec({ 'upgrade-from': `Registry.Example:5000/Acme/App:V1@${digest}` }).upgradeFrom
    ).toBe(`Registry.Example:5000/acme/app:V1@${digest}`)
  })

  it('reads KEY=VALUE lists and maps alike', () => {
    expect(testSpec({ 'run-env': ['A=1', 'B=x=y'] }).runEnv).toEqual({ A: '1', B: 'x=y' })
    expect(testSpec({ 'build-args': { A: 1, B: true } }).buildArgs).toEqual({ A: '1', B: 'true' })
  })

  it('uses the default name made valid when none is given', () => {
    const spec = resolveSpec({
      inputs: { 'app-command': 'x' },
      workingDir: process.cwd(),
      defaultName: 'My_Repo'
    })
    expect(spec.name).toBe('my_repo')
    expect(sanitizeName('--Hello World!')).toBe('hello-world-')
  })
})

describe('build cache, push and platforms', () => {
  it('default to the auto cache, no push and the native platform', () => {
    expect(testSpec()).toMatchObject({
      push: false,
      platforms: [],
      cache: { mode: 'auto', ref: undefined, from: [], to: [] }
    })
  })

  it('take the cache mode, its reference and raw buildx values', () => {
    const spec = testSpec({
      push: true,
      platforms: ['linux/amd64', 'linux/arm64'],
      cache: 'registry',
      'cache-ref': 'ghcr.io/acme/app:buildcache',
      'cache-from': ['type=registry,ref=ghcr.io/acme/app:buildcache']
    })
    expect(spec).toMatchObject({
      push: true,
      platforms: ['linux/amd64', 'linux/arm64'],
      cache: {
        mode: 'registry',
        ref: 'ghcr.io/acme/app:buildcache',
        from: ['type=registry,ref=ghcr.io/acme/app:buildcache'],
        to: []
      }
    })
  })

  it('refuses what buildx could not take, naming the field and what is allowed', () => {
    expect(specProblems(() => testSpec({ cache: 's3' }))).toEqual([
      'input `cache`: "s3" is not allowed; expected auto, gha, local, registry, inline or none'
    ])
    expect(specProblems(() => testSpec({ platforms: ['amd64'] }))[0]).toMatch(
      /^input `platforms`: platforms\[0\] "amd64" is not allowed; expected platforms os\/arch\[\/variant\]/
    )
    expect(specProblems(() => testSpec({ 'cache-to': ['type=inline\nevil'] }))).toHaveLength(1)
    expect(specProblems(() => testSpec({ cache: 'registry' }))).toEqual([
      'input `cache`: registry needs `cache-ref`, the image reference that holds the cache'
    ])
  })
})

describe('resolveSpec validation', () => {
  it('names the input, the value and what is allowed', () => {
    expect(specProblems(() => testSpec({ 'app-port': 70000 }))).toEqual([
      'input `app-port`: 70000 is not allowed; expected an integer TCP port from 1 to 65535'
    ])
    const [problem] = specProblems(() => testSpec({ name: 'app; rm -rf /' }))
    expect(problem).toMatch(
      /^input `name`: "app; rm -rf \/" is not allowed; expected lower-case letters/
    )
    expect(specProblems(() => testSpec({ supervisor: 'systemd' }))).toEqual([
      'input `supervisor`: "systemd" is not allowed; expected supervisord or s6'
    ])
  })

  it('reports every bad field at once', () => {
    const problems = specProblems(() =>
      testSpec({ 'app-port': 0, 'health-path': 'health', 'max-image-size': '10 parsecs' })
    )
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).toMatch(/app-port[\s\S]*health-path[\s\S]*max-image-size/)
  })

  it('rejects values that could break out of a generated file', () => {
    for (const bad of [
      { 'app-command': 'run\nRUN evil' },
      { 'health-path': "/h' ; evil" },
      { 'base-image': 'debian:trixie-slim\nRUN evil' },
      { 'app-packages': ['python3 evil'] },
      { 'postgres-extensions': ['vector"; DROP'] },
      { 'run-env': ['A=1\nB=2'] },
      { tags: ['demo:latest --push'] }
    ]) {
      expect(specProblems(() => testSpec(bad))).toHaveLength(1)
    }
  })

  it('refuses secret-looking build arguments, which the image history would keep', () => {
    const [problem] = specProblems(() => testSpec({ 'build-args': ['NPM_TOKEN=abc', 'VERSION=1'] }))
    expect(problem).toMatch(
      /^input `build-args`: NPM_TOKEN looks like a secret, and build arguments are recorded in the image's history/
    )
    expect(testSpec({ 'build-args': ['VERSION=1'] }).buildArgs).toEqual({ VERSION: '1' })
  })

  it('requires app-command', () => {
    expect(
      specProblems(() => resolveSpec({ inputs: {}, workingDir: process.cwd(), defaultName: 'x' }))
    ).toEqual([
      'input `app-command` is required (or `app-command` in aio.yml): one line of shell that starts the app'
    ])
  })

  it('refuses boot budgets when the image is not booted', () => {
    expect(specProblems(() => testSpec({ verify: false, 'max-startup-time': '2s' }))).toEqual([
      'input `max-startup-time`: needs the image booted, but verify is false'
    ])
  })

  it('refuses an upgrade check that cannot run, naming the field and why', () => {
    const upgrade = { 'upgrade-from': 'ghcr.io/acme/demo:1' }
    expect(specProblems(() => testSpec({ ...upgrade, verify: false }))).toEqual([
      'input `upgrade-from`: needs the image booted, but verify is false'
    ])
    expect(specProblems(() => testSpec({ ...upgrade, 'postgres-version': 'none' }))).toEqual([
      'input `upgrade-from`: the upgrade check keeps a row of the embedded database across the upgrade, but postgres-version is none'
    ])
    expect(specProblems(() => testSpec({ 'max-upgrade-time': '5s' }))).toEqual([
      'input `max-upgrade-time`: budgets the upgrade check, which runs only with `upgrade-from` set'
    ])
    expect(specProblems(() => testSpec({ 'upgrade-from': 'Not A Reference' }))[0]).toMatch(
      /^input `upgrade-from`: "Not A Reference" is not allowed; expected an image reference/
    )
  })

  it('refuses to upgrade from a tag the run builds, which the build would replace', () => {
    const problem = (from: string) =>
      `input \`upgrade-from\`: ${JSON.stringify(from)} is one of the tags this run builds, so the build would replace the image to upgrade from; name the released image by another tag or its digest`
    // the default tag, demo:latest, with and without `latest` written out
    expect(specProblems(() => testSpec({ 'upgrade-from': 'demo' }))).toEqual([problem('demo')])
    expect(
      specProblems(() =>
        testSpec({ 'upgrade-from': 'ghcr.io/acme/app:1', tags: ['ghcr.io/Acme/App:1'] })
      )
    ).toEqual([problem('ghcr.io/acme/app:1')])
    expect(
      testSpec({ 'upgrade-from': 'ghcr.io/acme/app:1', tags: ['ghcr.io/acme/app:2'] }).upgradeFrom
    ).toBe('ghcr.io/acme/app:1')
    expect(testSpec({ 'upgrade-from': 'localhost:5000/demo' }).upgradeFrom).toBe(
      'localhost:5000/demo'
    )
  })

  it('refuses a context that is not a directory', () => {
    expect(specProblems(() => testSpec({ context: 'does-not-exist' }))[0]).toMatch(
      /^input `context`: "does-not-exist" is not a directory/
    )
  })
})

describe('spec files', () => {
  it('finds aio.yml by default and the config input when given', () => {
    const dir = tempDir()
    expect(findSpecFile('', dir)).toBeUndefined()
    writeFiles(dir, { 'aio.yml': 'name: x\n', 'other.yml': 'name: y\n' })
    expect(findSpecFile('', dir)).toBe(path.join(dir, 'aio.yml'))
    expect(findSpecFile('other.yml', dir)).toBe(path.join(dir, 'other.yml'))
    expect(() => findSpecFile('missing.yml', dir)).toThrow(
      'input `config`: "missing.yml" does not exist'
    )
  })

  it('overrides file fields with inputs and resolves the context from the file', () => {
    const dir = tempDir()
    writeFiles(dir, {
      'project/aio.yml':
        'name: from-file\ncontext: app\napp-command: python3 app.py\napp-port: 9000\n',
      'project/app/app.py': ''
    })
    const file = path.join(dir, 'project/aio.yml')
    const spec = resolveSpec({
      file: { path: file, fields: readSpecFile(file) },
      inputs: { 'app-port': 9100 },
      workingDir: dir,
      defaultName: 'x'
    })
    expect(spec.name).toBe('from-file')
    expect(spec.app.port).toBe(9100)
    expect(spec.context).toBe(path.join(dir, 'project/app'))
  })

  it('names the file field when the file is wrong, and unknown fields with the known ones', () => {
    const dir = tempDir()
    writeFiles(dir, { 'aio.yml': 'app-command: x\napp-port: abc\nport: 1\n' })
    const file = path.join(dir, 'aio.yml')
    const problems = specProblems(() =>
      resolveSpec({
        file: { path: file, fields: readSpecFile(file) },
        inputs: {},
        workingDir: dir,
        defaultName: 'x'
      })
    )
    expect(problems).toContainEqual(
      expect.stringMatching(/^aio.yml: unknown field `port`; known fields: name, context, /)
    )
    expect(problems).toContainEqual(
      'aio.yml field `app-port`: "abc" is not allowed; expected an integer TCP port from 1 to 65535'
    )
  })

  it('reports YAML that is not a mapping', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'aio.yml'), '- a\n- b\n')
    expect(() => readSpecFile(path.join(dir, 'aio.yml'))).toThrow(
      'aio.yml: expected a mapping of fields, found a list'
    )
    fs.writeFileSync(path.join(dir, 'aio.yml'), 'a: [\n')
    expect(() => readSpecFile(path.join(dir, 'aio.yml'))).toThrow(/aio.yml: not valid YAML/)
  })
})

describe('fields for the reference systems', () => {
  it('defaults to no stages, no nginx, no init SQL and the plain role', () => {
    const spec = testSpec()
    expect(spec.buildStages).toEqual([])
    expect(spec.nginx).toBeUndefined()
    expect(spec.app).toMatchObject({ env: {}, migrateCommand: undefined })
    expect(spec.postgres).toMatchObject({ roleAttributes: [], settings: {}, initSql: [] })
  })

  it('reads database, role, attributes, settings and app environment', () => {
    const spec = testSpec({
      'postgres-database': 'hive_genie',
      'postgres-role': 'hive',
      'postgres-role-attributes': ['REPLICATION'],
      'postgres-settings': { wal_level: 'logical', max_wal_senders: 10 },
      'app-env': ['MODE=genie', 'URL=http://x/?a=b'],
      'migrate-command': 'node migrate.js'
    })
    expect(spec.postgres).toMatchObject({
      database: 'hive_genie',
      role: 'hive',
      roleAttributes: ['REPLICATION'],
      settings: { wal_level: 'logical', max_wal_senders: '10' }
    })
    expect(spec.app.env).toEqual({ MODE: 'genie', URL: 'http://x/?a=b' })
    expect(spec.app.migrateCommand).toBe('node migrate.js')
  })

  it('refuses what would break the image guarantees', () => {
    for (const bad of [
      { 'postgres-role': 'postgres' },
      { 'postgres-database': 'template1' },
      { 'postgres-role-attributes': ['SUPERUSER'] },
      { 'postgres-settings': { listen_addresses: '*' } },
      { 'postgres-settings': ['hba_file=/tmp/x'] },
      { 'postgres-settings': { 'a b': 1 } },
      { 'app-env': { POSTGRES_PASSWORD: 'baked-in' } },
      { 'app-env': ['POSTGRES_PASSWORD_FILE=/x'] },
      { 'app-env': { GITHUB_API_TOKEN: 'ghp_x' } },
      { nginx: { root: '/srv/$uri' } },
      { nginx: { proxy: ['/api; return 200'] } }
    ]) {
      expect(specProblems(() => testSpec(bad))).toHaveLength(1)
    }
    expect(specProblems(() => testSpec({ 'postgres-settings': { port: 5433 } }))[0]).toMatch(
      /^input `postgres-settings`: \{"port":5433\} is not allowed; expected postgresql.conf settings .* not listen_addresses, port,/
    )
  })

  it('takes the older majors to upgrade from, as numbers or input text, in order', () => {
    expect(testSpec().postgres?.upgradeFrom).toEqual([])
    expect(
      testSpec({
        'base-image': 'debian:sid-slim',
        'postgres-version': 18,
        'postgres-upgrade-from': ['17', '15']
      }).postgres?.upgradeFrom
    ).toEqual([15, 17])
    expect(testSpec({ 'postgres-upgrade-from': [15] }).postgres?.upgradeFrom).toEqual([15])
  })

  it('refuses a major to upgrade from that no Debian release ships or that is not older', () => {
    expect(specProblems(() => testSpec({ 'postgres-upgrade-from': ['16'] }))).toEqual([
      `input \`postgres-upgrade-from\`: postgres-upgrade-from[0] "16" is not allowed; expected ${fieldDescription('postgres-upgrade-from')}`
    ])
    expect(fieldDescription('postgres-upgrade-from')).toContain(
      '15 or 17, the majors a supported Debian release ships (bookworm: 15, trixie: 17)'
    )
    expect(
      specProblems(() =>
        testSpec({
          'base-image': 'debian:bookworm-slim',
          'postgres-version': 15,
          'postgres-upgrade-from': ['15', '17']
        })
      )
    ).toEqual([
      'input `postgres-upgrade-from`: 15 is not below postgres-version 15; list only the older majors whose data this image upgrades',
      'input `postgres-upgrade-from`: 17 is not below postgres-version 15; list only the older majors whose data this image upgrades'
    ])
    // postgres-version left at its default, 17
    expect(specProblems(() => testSpec({ 'postgres-upgrade-from': [17] }))).toEqual([
      'input `postgres-upgrade-from`: 17 is not below postgres-version 17; list only the older majors whose data this image upgrades'
    ])
    expect(
      specProblems(() => testSpec({ 'postgres-version': 'none', 'postgres-upgrade-from': ['15'] }))
    ).toEqual([
      'input `postgres-upgrade-from`: needs the embedded database, but postgres-version is none'
    ])
  })

  it('refuses database fields without the database', () => {
    expect(
      specProblems(() => testSpec({ 'postgres-version': 'none', 'init-sql': ['a.sql'] }))
    ).toEqual(['input `init-sql`: needs the embedded database, but postgres-version is none'])
  })

  it('resolves init SQL files and stage contexts from the spec file', () => {
    const dir = tempDir()
    writeFiles(dir, {
      'aio.yml': [
        'app-command: x',
        'init-sql: [sql/a.sql]',
        'build-stages:',
        '  - { name: web, context: web, packages: [nodejs], commands: [npm ci], copy: [{ from: dist, to: /srv/www }] }',
        '  - { name: tools, commands: [make], copy: [{ from: ., to: /opt/tools }] }'
      ].join('\n'),
      'sql/a.sql': 'SELECT 1;',
      'web/package.json': '{}'
    })
    const file = path.join(dir, 'aio.yml')
    const spec = resolveSpec({
      file: { path: file, fields: readSpecFile(file) },
      inputs: {},
      workingDir: '/',
      defaultName: 'x'
    })
    expect(spec.postgres?.initSql).toEqual([path.join(dir, 'sql/a.sql')])
    expect(spec.buildStages).toEqual([
      {
        name: 'web',
        from: 'debian:trixie-slim',
        context: path.join(dir, 'web'),
        packages: ['nodejs'],
        dependencies: undefined,
        caches: [],
        commands: ['npm ci'],
        copy: [{ from: 'dist', to: '/srv/www' }]
      },
      expect.objectContaining({ name: 'tools', context: dir, packages: [] })
    ])
  })

  it('names a missing init SQL file', () => {
    expect(specProblems(() => testSpec({ 'init-sql': ['nope.sql'] }))[0]).toMatch(
      /^input `init-sql`: "nope.sql" is not a file/
    )
  })

  it('refuses base images of other families by name, naming the input and what is supported', () => {
    const supported =
      'expected Debian- and Ubuntu-based images (e.g. debian:trixie-slim, debian:bookworm-slim, ubuntu:24.04)'
    for (const [image, family] of [
      ['alpine:3.20', 'alpine'],
      ['node:22-alpine', 'alpine'],
      ['python:3.12-alpine3.20', 'alpine'],
      ['gcr.io/distroless/base-debian12', 'distroless'],
      ['busybox', 'busybox'],
      ['scratch', 'scratch'],
      ['cgr.dev/chainguard/wolfi-base', 'chainguard'],
      ['amazonlinux:2023', 'amazonlinux'],
      ['fedora:41', 'fedora'],
      ['registry.access.redhat.com/ubi9/ubi-minimal', 'ubi9']
    ]) {
      expect(specProblems(() => testSpec({ 'base-image': image }))).toEqual([
        `input \`base-image\`: ${JSON.stringify(image)} names a non-Debian image (${family}), which is not supported; ${supported}`
      ])
    }
    const stage = {
      name: 'web',
      from: 'node:22-alpine',
      commands: ['npm ci'],
      copy: [{ from: 'dist', to: '/srv' }]
    }
    expect(specProblems(() => testSpec({ 'build-stages': [stage] }))).toEqual([
      `input \`build-stages\`: build-stages[0].from "node:22-alpine" names a non-Debian image (alpine), which is not supported; ${supported}`
    ])
    for (const image of [
      'debian:bookworm-slim',
      'ubuntu:24.04',
      'python:3.12-slim-bookworm',
      'node:22-bookworm',
      'ghcr.io/example/rubi:1'
    ]) {
      expect(testSpec({ 'base-image': image }).baseImage).toBe(image)
    }
  })

  it('says where a structured field is wrong and what is allowed there', () => {
    const stage = { name: 'web', commands: ['npm ci'], copy: [{ from: '../etc', to: '/srv' }] }
    expect(specProblems(() => testSpec({ 'build-stages': [stage] }))).toEqual([
      'input `build-stages`: build-stages[0].copy[0].from "../etc" is not allowed; expected a path relative to /build in the stage, or absolute, without ..'
    ])
    expect(
      specProblems(() => testSpec({ 'build-stages': [{ ...stage, copy: [], image: 'x' }] }))[0]
    ).toMatch(/^input `build-stages`: unknown key `image` in build-stages\[0\]; expected /)
    const valid = { ...stage, copy: [{ from: 'dist', to: '/srv' }] }
    expect(specProblems(() => testSpec({ 'build-stages': [valid, valid] }))).toEqual([
      'input `build-stages`: two stages are named "web"'
    ])
  })
})

describe('variants', () => {
  function resolveHive(fields: string, inputs: Record<string, unknown> = {}, variant?: string) {
    const dir = tempDir()
    writeFiles(dir, {
      'aio.yml': [
        'name: hive',
        'app-command: run',
        'app-env: { COMMON: "1" }',
        'variants:',
        '  genie: { app-port: 48886, postgres-database: hive_genie, app-env: { MODE: genie } }',
        '  agent: { app-port: 38886, postgres-database: hive_agent }',
        fields
      ].join('\n')
    })
    const file = path.join(dir, 'aio.yml')
    return resolveSpecs({
      file: { path: file, fields: readSpecFile(file) },
      inputs,
      workingDir: dir,
      defaultName: 'x',
      variant
    })
  }

  it('makes one spec per variant, its fields replacing the file', () => {
    const [genie, agent] = resolveHive('')
    expect(genie).toMatchObject({
      variant: 'genie',
      name: 'hive-genie',
      tags: ['hive-genie:latest'],
      app: { port: 48886, env: { MODE: 'genie' } },
      postgres: { database: 'hive_genie', role: 'hive_genie' }
    })
    expect(agent).toMatchObject({
      variant: 'agent',
      name: 'hive-agent',
      app: { port: 38886, env: { COMMON: '1' } },
      postgres: { database: 'hive_agent' }
    })
  })

  it('selects one variant, and inputs override its fields', () => {
    const specs = resolveHive('', { 'app-port': 9000, name: 'my-hive' }, 'agent')
    expect(specs).toHaveLength(1)
    expect(specs[0]).toMatchObject({ name: 'my-hive-agent', app: { port: 9000 } })
  })

  it('names the variant when its field is wrong', () => {
    const dir = tempDir()
    const fields = { 'app-command': 'x', variants: { genie: { 'app-port': 'abc' } } }
    expect(
      specProblems(() =>
        resolveSpecs({
          file: { path: path.join(dir, 'aio.yml'), fields },
          inputs: {},
          workingDir: dir,
          defaultName: 'x'
        })
      )
    ).toEqual([
      'aio.yml variants.genie field `app-port`: "abc" is not allowed; expected an integer TCP port from 1 to 65535'
    ])
  })

  it('refuses an unknown variant, a variant without variants, and clashing tags', () => {
    expect(specProblems(() => resolveHive('', {}, 'queen'))).toEqual([
      'input `variant`: "queen" is not allowed; expected one of the variants in aio.yml: genie, agent'
    ])
    expect(
      specProblems(() =>
        resolveSpecs({
          inputs: { 'app-command': 'x' },
          workingDir: '/',
          defaultName: 'x',
          variant: 'genie'
        })
      )
    ).toEqual(['input `variant`: "genie" is not allowed; aio.yml has no variants'])
    expect(specProblems(() => resolveHive('tags: [hive:latest]'))).toEqual([
      'tag hive:latest would name both hive-genie and hive-agent: give each variant its own `tags`'
    ])
    expect(() =>
      resolveSpec({
        inputs: {},
        workingDir: '/',
        defaultName: 'x',
        file: { path: '/aio.yml', fields: { 'app-command': 'x', variants: { a: {}, b: {} } } }
      })
    ).toThrow('aio.yml has 2 variants (a, b): select one with `variant`')
  })
})

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { databaseUrl, renderArtifacts, writeBuildContext } from '../../src/render.js'
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

  it('keeps the full ICU data when asked', () => {
    const dockerfile = fileOf(
      renderArtifacts(testSpec({ 'postgres-icu': 'full' })),
      'Dockerfile'
    ).content
    expect(dockerfile).not.toContain('slim-icu /out')
    expect(dockerfile).not.toContain('icu-devtools')
  })

  it('preloads extensions that need it', () => {
    const conf = fileOf(
      renderArtifacts(testSpec({ 'postgres-extensions': ['pg_stat_statements'] })),
      'aio/etc/postgresql.conf'
    ).content
    expect(conf).toContain("shared_preload_libraries = 'pg_stat_statements'")
    expect(conf).toContain("listen_addresses = ''")
    expect(conf).toContain('jit = off')
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
    ['supervisord', '17'],
    ['s6', '17'],
    ['s6', 'none'],
    ['supervisord', 'none']
  ])('renders shell scripts that pass shellcheck (%s, postgres %s)', (supervisor, version) => {
    const dir = tempDir()
    const files = renderArtifacts(testSpec({ supervisor, 'postgres-version': version }))
    const scripts = files.filter(
      file =>
        file.content.startsWith('#!/bin/') ||
        file.path.endsWith('.sh') ||
        file.path.endsWith('aio.env')
    )
    for (const file of files) writeFiles(dir, { [file.path]: file.content })
    expect(scripts.length).toBeGreaterThan(5)
    // throws with shellcheck's findings when any script has one
    execFileSync(
      'shellcheck',
      ['--shell=sh', ...scripts.filter(s => !s.content.startsWith('#!/bin/bash')).map(s => s.path)],
      { cwd: dir }
    )
    execFileSync(
      'shellcheck',
      scripts.filter(s => s.content.startsWith('#!/bin/bash')).map(s => s.path),
      { cwd: dir }
    )
  })
})

describe('writeBuildContext', () => {
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

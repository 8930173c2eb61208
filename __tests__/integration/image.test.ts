// What is inside a rendered image, checked by the programs themselves.
import path from 'node:path'
import { ROOT } from '../helpers/action-runner.js'
import { buildTestImage } from '../helpers/build.js'
import { dockerStatus } from '../helpers/docker.js'
import { testSpec } from '../helpers/spec.js'

const NOTES = path.join(ROOT, 'examples', 'notes')

async function inImage(image: string, script: string): Promise<{ code: number; output: string }> {
  return dockerStatus('run', '--rm', '--entrypoint', 'sh', image, '-c', script)
}

describe.each(['supervisord', 's6'])('an image with %s and PostgreSQL 17', supervisor => {
  let image: string

  beforeAll(async () => {
    image = await buildTestImage(
      testSpec({
        name: `aio-it-${supervisor}`,
        context: NOTES,
        supervisor,
        'app-packages': ['python3', 'python3-psycopg'],
        'postgres-extensions': ['vector']
      })
    )
  }, 15 * 60_000)

  it('has PostgreSQL binaries and modules that load with no missing library', async () => {
    const { code, output } = await inImage(
      image,
      'cd /usr/lib/postgresql/17 && for f in bin/* lib/*.so; do ldd "$f" | grep "not found" | sed "s|^|$f: |"; done; ls bin'
    )
    expect(code).toBe(0)
    expect(output).not.toContain('not found')
    expect(output.split('\n')).toEqual(
      expect.arrayContaining(['initdb', 'pg_ctl', 'pg_isready', 'postgres', 'psql'])
    )
  })

  it('carries no JIT, LLVM, perl wrappers or man pages', async () => {
    const { output } = await inImage(
      image,
      'ls /usr/lib/postgresql/17/lib | grep -c llvmjit; ls /usr/lib/x86_64-linux-gnu | grep -c libLLVM; ls /usr/share/postgresql/17/man 2>&1 | grep -c "No such"; command -v pg_ctlcluster || echo none'
    )
    expect(output.trim().split('\n')).toEqual(['0', '0', '1', 'none'])
  })

  it('carries slim ICU data that still serves every ICU feature PostgreSQL uses', async () => {
    const sql = [
      "SELECT count(*) > 800 FROM pg_collation WHERE collprovider = 'i'",
      "SELECT string_agg(w, ',' ORDER BY w COLLATE \\\"de-x-icu\\\") FROM unnest(ARRAY['z','ä','a']) w",
      'SELECT upper(\'istanbul\' COLLATE \\"tr-x-icu\\")',
      'SELECT initcap(\'東京タワーhello world\' COLLATE \\"ja-x-icu\\")',
      "SELECT obj_description(oid, 'pg_collation') FROM pg_collation WHERE collname = 'de-x-icu'"
    ]
    const { code, output } = await inImage(
      image,
      `/usr/local/lib/aio/entrypoint >/tmp/log 2>&1 & for i in $(seq 200); do [ -e /run/aio/setup.done ] && break; sleep 0.1; done; ${sql.map(q => `psql -XAt -U postgres -c "${q}"`).join('; ')}; stat -c %s $(readlink -f /usr/lib/x86_64-linux-gnu/libicudata.so.76)`
    )
    expect(code).toBe(0)
    const lines = output.trim().split('\n')
    expect(lines.slice(0, 5)).toEqual(['t', 'a,ä,z', 'İSTANBUL', '東京タワーHello World', 'German'])
    expect(Number(lines[5])).toBeLessThan(20_000_000)
  })

  it('has a postgresql.conf that postgres itself accepts', async () => {
    const { code, output } = await inImage(
      image,
      'install -d -o postgres /tmp/d && /usr/local/lib/aio/as-user postgres initdb -D /tmp/d/pg -A peer -N >/dev/null 2>&1 && /usr/local/lib/aio/as-user postgres postgres -D /tmp/d/pg -c config_file=/etc/aio/postgresql.conf -C listen_addresses -C jit 2>/dev/null'
    )
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'off' })
  })

  it('creates the extension at first boot', async () => {
    const { code, output } = await dockerStatus(
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      image,
      '-c',
      '/usr/local/lib/aio/entrypoint >/tmp/log 2>&1 & for i in $(seq 200); do [ -e /run/aio/setup.done ] && break; sleep 0.1; done; psql -XAtc "SELECT extname FROM pg_extension ORDER BY 1"'
    )
    expect(code).toBe(0)
    expect(output.trim().split('\n')).toEqual(['plpgsql', 'vector'])
  })

  if (supervisor === 'supervisord') {
    it('has a supervisord.conf that supervisord itself accepts', async () => {
      const parse = (file: string) =>
        `mkdir -p /run/aio && python3 -c "from supervisor.options import ServerOptions; o = ServerOptions(); o.realize(args=['-c', '${file}']); print(sorted(p.name for p in o.process_group_configs))"`
      const good = await inImage(image, parse('/etc/aio/supervisord.conf'))
      expect(good).toEqual({ code: 0, output: "['app', 'on-fatal', 'postgres']\n" })
      // the same check refuses a broken file
      const bad = await inImage(
        image,
        `printf '[supervisord]\\n[program:x]\\nautostart=maybe\\n' > /tmp/bad.conf && ${parse('/tmp/bad.conf')}`
      )
      expect(bad.code).not.toBe(0)
    })
  }
})

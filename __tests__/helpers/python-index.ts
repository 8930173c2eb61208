// A real Python package index for pip tests: PyPI is not reachable here, so
// this builds pure-Python wheels itself and serves them as a PEP 503 "simple"
// index over HTTP on Docker's bridge gateway, the address at which a
// container (or a build step on the docker-driver builder) reaches the host.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import zlib from 'node:zlib'
import { docker } from './docker.js'
import { tempDir, writeFiles } from './tmp.js'

export interface PythonDistribution {
  /** The project name as written in Requires-Dist and requirements files, e.g. "aio-greeting". */
  name: string
  version: string
  /** The wheel's contents besides its .dist-info (path inside site-packages -> source). */
  files: Record<string, string>
  /** Requires-Dist lines, e.g. "aio-greeting>=1". */
  requires?: string[]
  /** Requires-Python, also announced in the index as data-requires-python. */
  requiresPython?: string
}

export interface PythonIndexOptions {
  distributions?: PythonDistribution[]
  /** Answer only requests carrying these HTTP Basic credentials (401 otherwise). */
  auth?: { user: string; password: string }
}

const greeting = (version: string): PythonDistribution => ({
  name: 'aio-greeting',
  version,
  files: {
    'aio_greeting/__init__.py': [
      `__version__ = "${version}"`,
      '',
      '',
      'def greet(name):',
      `    return f"hello {name} from aio-greeting ${version}"`,
      ''
    ].join('\n')
  }
})

/**
 * Two releases of one project (so a pin decides which is installed, and the
 * module says which it is), a project that needs it (a transitive
 * dependency), and a development-only tool that a production install must
 * leave out.
 */
export const DEFAULT_DISTRIBUTIONS: readonly PythonDistribution[] = [
  greeting('1.0.0'),
  greeting('2.0.0'),
  {
    name: 'aio-shout',
    version: '1.0.0',
    requires: ['aio-greeting>=1'],
    files: {
      'aio_shout/__init__.py': [
        'from aio_greeting import greet',
        '',
        '__version__ = "1.0.0"',
        '',
        '',
        'def shout(name):',
        '    return greet(name).upper()',
        ''
      ].join('\n')
    }
  },
  {
    name: 'aio-devtool',
    version: '1.0.0',
    files: { 'aio_devtool/__init__.py': '__version__ = "1.0.0"\n' }
  }
]

/** PEP 503 normalization: the name in index URLs. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-')
}

/** The wheel's file name, as pip sees it in the index and the test in `requests`. */
export function wheelFilename(name: string, version: string): string {
  return `${wheelName(name)}-${version}-py3-none-any.whl`
}

// Wheel file names and .dist-info directories spell the name with underscores.
const wheelName = (name: string) => normalizeName(name).replace(/-/g, '_')

export class TestPythonIndex {
  private readonly log: string[] = []

  private constructor(
    private readonly root: string,
    private readonly address: string,
    private readonly auth: PythonIndexOptions['auth'],
    private readonly server: http.Server
  ) {}

  static async start(options: PythonIndexOptions = {}): Promise<TestPythonIndex> {
    const address = await bridgeGateway()
    const root = tempDir('aio-test-pyindex-')
    try {
      layOut(root, options.distributions ?? DEFAULT_DISTRIBUTIONS)
      const server = http.createServer()
      const index = new TestPythonIndex(root, address, options.auth, server)
      server.on('request', (request, response) => index.answer(request, response))
      // Port 0 on the gateway itself: a port free on loopback need not be free there.
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, address, () => resolve())
      })
      return index
    } catch (error) {
      fs.rmSync(root, { recursive: true, force: true })
      throw error
    }
  }

  /** The index URL for pip's --index-url / PIP_INDEX_URL. */
  get url(): string {
    return `http://${this.authority}/simple/`
  }

  /** `url` with the Basic credentials in it, as pip takes them. */
  get urlWithCredentials(): string {
    if (!this.auth) throw new Error('this index was started without auth')
    const { user, password } = this.auth
    return `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.authority}/simple/`
  }

  /** The host for pip's --trusted-host / PIP_TRUSTED_HOST (plain HTTP), without a port. */
  get host(): string {
    return this.address
  }

  /** Every request's path so far, in order, answered or refused. */
  get requests(): string[] {
    return [...this.log]
  }

  async stop(): Promise<void> {
    if (this.server.listening) {
      const closed = new Promise(resolve => this.server.close(resolve))
      // pip keeps its connections alive; close() alone would wait for them.
      this.server.closeAllConnections()
      await closed
    }
    fs.rmSync(this.root, { recursive: true, force: true })
  }

  private get authority(): string {
    return `${this.address}:${(this.server.address() as net.AddressInfo).port}`
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const pathname = new URL(request.url ?? '/', 'http://index').pathname
    this.log.push(pathname)
    if (this.auth && request.headers.authorization !== basic(this.auth)) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="aio-test-pyindex"' }).end()
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    // WHATWG URL parsing has resolved every dot segment: this stays under root.
    const target = path.join(this.root, pathname)
    const stat = fs.statSync(target, { throwIfNoEntry: false })
    if (stat?.isDirectory() && !pathname.endsWith('/')) {
      response.writeHead(301, { Location: `${pathname}/` }).end()
      return
    }
    const file = stat?.isDirectory() ? path.join(target, 'index.html') : target
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      response.writeHead(404).end()
      return
    }
    const body = fs.readFileSync(file)
    response.writeHead(200, {
      'Content-Type': file.endsWith('.html')
        ? 'text/html; charset=utf-8'
        : 'application/octet-stream',
      'Content-Length': body.length,
      // As PyPI serves its files: a wheel never changes, so pip's cache may keep it.
      ...(file.endsWith('.whl') ? { 'Cache-Control': 'max-age=365000000, immutable, public' } : {})
    })
    response.end(request.method === 'HEAD' ? undefined : body)
  }
}

const basic = ({ user, password }: { user: string; password: string }) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** The first IPv4 gateway of Docker's default bridge network. */
async function bridgeGateway(): Promise<string> {
  const gateways = await docker(
    'network',
    'inspect',
    'bridge',
    '-f',
    '{{range .IPAM.Config}}{{.Gateway}} {{end}}'
  )
  const gateway = gateways.split(/\s+/).find(candidate => net.isIPv4(candidate))
  if (!gateway) throw new Error(`docker's bridge network has no IPv4 gateway (got "${gateways}")`)
  return gateway
}

/** Writes files/<wheel> and the simple/ pages that link to them. */
function layOut(root: string, distributions: readonly PythonDistribution[]): void {
  const projects = new Map<string, string[]>()
  const pages: Record<string, string> = {}
  for (const distribution of distributions) {
    const filename = wheelFilename(distribution.name, distribution.version)
    const wheel = buildWheel(distribution)
    fs.mkdirSync(path.join(root, 'files'), { recursive: true })
    fs.writeFileSync(path.join(root, 'files', filename), wheel)
    const sha256 = crypto.createHash('sha256').update(wheel).digest('hex')
    const requiresPython =
      distribution.requiresPython !== undefined
        ? ` data-requires-python="${escapeHtml(distribution.requiresPython)}"`
        : ''
    const project = normalizeName(distribution.name)
    projects.set(project, [
      ...(projects.get(project) ?? []),
      `<a href="../../files/${filename}#sha256=${sha256}"${requiresPython}>${filename}</a>`
    ])
  }
  for (const [project, links] of projects) pages[`simple/${project}/index.html`] = html(links)
  pages['simple/index.html'] = html(
    [...projects.keys()].map(project => `<a href="${project}/">${project}</a>`)
  )
  writeFiles(root, pages)
}

const html = (links: string[]) =>
  [
    '<!DOCTYPE html>',
    '<html><body>',
    ...links.map(link => `${link}<br>`),
    '</body></html>',
    ''
  ].join('\n')

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A wheel (binary distribution format 1.0): the files, then METADATA, WHEEL and RECORD. */
function buildWheel(distribution: PythonDistribution): Buffer {
  const distInfo = `${wheelName(distribution.name)}-${distribution.version}.dist-info`
  const entries: [string, Buffer][] = [
    ...Object.entries(distribution.files).map(([name, text]): [string, Buffer] => [
      name,
      Buffer.from(text)
    ]),
    [
      `${distInfo}/METADATA`,
      lines([
        'Metadata-Version: 2.1',
        `Name: ${distribution.name}`,
        `Version: ${distribution.version}`,
        ...(distribution.requiresPython !== undefined
          ? [`Requires-Python: ${distribution.requiresPython}`]
          : []),
        ...(distribution.requires ?? []).map(requirement => `Requires-Dist: ${requirement}`)
      ])
    ],
    [
      `${distInfo}/WHEEL`,
      lines([
        'Wheel-Version: 1.0',
        'Generator: aio-image-tests',
        'Root-Is-Purelib: true',
        'Tag: py3-none-any'
      ])
    ]
  ]
  const record = lines([
    ...entries.map(([name, content]) => {
      const digest = crypto.createHash('sha256').update(content).digest('base64url')
      return `${name},sha256=${digest},${content.length}`
    }),
    // RECORD cannot hold its own hash.
    `${distInfo}/RECORD,,`
  ])
  return zip([...entries, [`${distInfo}/RECORD`, record]])
}

const lines = (list: string[]) => Buffer.from(list.map(line => `${line}\n`).join(''))

// 1980-01-01 00:00, the earliest DOS date: every build of a wheel is the same
// bytes, so its sha256 in the index is stable.
const DOS_TIME = 0
const DOS_DATE = (1 << 5) | 1

/**
 * A zip archive of stored (uncompressed) entries: local headers with the
 * data, the central directory, the end record. The only zip writers in
 * node_modules come in transitively (archiver, via @actions/artifact) and
 * untyped; this is all a wheel needs.
 */
function zip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, data] of entries) {
    const fileName = Buffer.from(name)
    const crc = zlib.crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed: 2.0
    local.writeUInt16LE(0, 6) // flags
    local.writeUInt16LE(0, 8) // method: stored
    local.writeUInt16LE(DOS_TIME, 10)
    local.writeUInt16LE(DOS_DATE, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18) // compressed size
    local.writeUInt32LE(data.length, 22) // uncompressed size
    local.writeUInt16LE(fileName.length, 26)
    local.writeUInt16LE(0, 28) // extra field length
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by: Unix, 2.0
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0, 8)
    central.writeUInt16LE(0, 10)
    central.writeUInt16LE(DOS_TIME, 12)
    central.writeUInt16LE(DOS_DATE, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(fileName.length, 28)
    // extra, comment, disk number and internal attributes stay 0
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38) // external attributes: a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42)
    locals.push(local, fileName, data)
    centrals.push(central, fileName)
    offset += local.length + fileName.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8) // entries on this disk
  end.writeUInt16LE(entries.length, 10) // entries in all
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

// A real registry for push tests: Debian's docker-registry (distribution
// 2.8) on a free loopback port, with htpasswd (bcrypt) authentication and
// its own storage, and a DOCKER_CONFIG logged in to it. The engine trusts
// 127.0.0.0/8 registries without TLS.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { freePort, httpStatus, pollUntil } from '../../src/measure/probe.js'
import { tempDir } from './tmp.js'

const run = promisify(execFile)

// What `docker push` of a single-platform image stores, and a platform list.
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json'
].join(', ')

/** What an image manifest or an image index holds, as far as the tests read it. */
export interface Manifest {
  mediaType: string
  annotations?: Record<string, string>
  /** An image manifest's config blob. */
  config?: { digest: string }
  /** An index's manifests, each with its platform (attestations: unknown/unknown). */
  manifests?: Array<{
    digest: string
    platform?: { os: string; architecture: string }
    annotations?: Record<string, string>
  }>
}

export class TestRegistry {
  private constructor(
    /** host:port, the prefix of image references in this registry. */
    readonly host: string,
    /** A docker client configuration directory logged in to the registry. */
    readonly dockerConfig: string,
    readonly password: string,
    private readonly user: string,
    private readonly root: string,
    private readonly server: ChildProcess
  ) {}

  static async start(): Promise<TestRegistry> {
    const root = tempDir('aio-i3-registry-')
    const user = 'aio-i3'
    const password = crypto.randomBytes(12).toString('hex')
    const { stdout } = await run('htpasswd', ['-Bbn', user, password])
    fs.writeFileSync(path.join(root, 'htpasswd'), stdout)
    const port = await freePort()
    const host = `127.0.0.1:${port}`
    const config = path.join(root, 'config.yml')
    fs.writeFileSync(
      config,
      [
        'version: 0.1',
        'log: {level: error, accesslog: {disabled: true}}',
        `storage: {filesystem: {rootdirectory: ${path.join(root, 'storage')}}}`,
        `http: {addr: "${host}", secret: ${crypto.randomBytes(16).toString('hex')}}`,
        `auth: {htpasswd: {realm: aio-i3, path: ${path.join(root, 'htpasswd')}}}`,
        ''
      ].join('\n')
    )
    const server = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
    // Without credentials, the registry answers /v2/ with 401 once it is up.
    await pollUntil(async () => (await httpStatus(port, '/v2/')) === 401, {
      intervalMs: 100,
      timeoutMs: 20_000
    })
    const dockerConfig = path.join(root, 'docker-config')
    fs.mkdirSync(dockerConfig)
    const login = spawn(
      'docker',
      ['--config', dockerConfig, 'login', '--username', user, '--password-stdin', host],
      { stdio: ['pipe', 'ignore', 'pipe'] }
    )
    let stderr = ''
    login.stderr.on('data', chunk => (stderr += chunk))
    login.stdin.end(password)
    const code = await new Promise(resolve => login.on('close', resolve))
    if (code !== 0) throw new Error(`docker login ${host} failed with ${code}: ${stderr}`)
    return new TestRegistry(host, dockerConfig, password, user, root, server)
  }

  /** The digest the registry serves for repo:tag (Docker-Content-Digest), or undefined for 404. */
  async manifestDigest(repository: string, tag: string): Promise<string | undefined> {
    const response = await this.request('HEAD', repository, `manifests/${tag}`)
    return response?.headers.get('docker-content-digest') ?? undefined
  }

  /** The manifest (or image index) that repo:reference names, parsed, or undefined for 404. */
  async manifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const response = await this.request('GET', repository, `manifests/${reference}`)
    return response && ((await response.json()) as Manifest)
  }

  /** A blob (an image config, say), parsed as JSON. */
  async jsonBlob<T>(repository: string, digest: string): Promise<T> {
    const response = await this.request('GET', repository, `blobs/${digest}`)
    if (!response) throw new Error(`${repository}@${digest}: no such blob`)
    return (await response.json()) as T
  }

  /** An authenticated request for /v2/<repository>/<what>; undefined for 404. */
  private async request(
    method: 'GET' | 'HEAD',
    repository: string,
    what: string
  ): Promise<Response | undefined> {
    const response = await fetch(`http://${this.host}/v2/${repository}/${what}`, {
      method,
      headers: {
        Accept: MANIFEST_TYPES,
        Authorization: `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`
      }
    })
    if (response.status === 404) return undefined
    if (!response.ok) throw new Error(`${method} ${repository}/${what}: ${response.status}`)
    return response
  }

  async stop(): Promise<void> {
    if (this.server.exitCode === null) {
      const exited = new Promise(resolve => this.server.once('exit', resolve))
      this.server.kill()
      await exited
    }
    fs.rmSync(this.root, { recursive: true, force: true })
  }
}

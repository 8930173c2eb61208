// A BuildKit builder of the tests' own, as GitHub's runners give one to users
// (docker/setup-buildx-action): buildkitd in a container, reached through
// buildx's `remote` driver. buildkitd and buildctl are built from Debian's
// source by scripts/setup-environment.sh. A docker-container builder cannot
// start here: it needs --privileged, and this host's capability bounding set
// lacks CAP_SYS_RESOURCE; the same daemon with every other capability can.
//
// BuildKit resolves FROM from a registry, never from the engine's images: the
// local Debian bases go into a TestRegistry that buildkitd takes as its Docker
// Hub mirror, so that `debian:trixie-slim` resolves as it does on GitHub, as a
// linux/amd64 + linux/386 index (this host's kernel runs i386 binaries
// natively: a multi-platform build without QEMU).
import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { freePort, pollUntil } from '../../src/measure/probe.js'
import { docker, dockerStatus } from './docker.js'
import type { TestRegistry } from './registry.js'
import { tempDir } from './tmp.js'

const run = promisify(execFile)

/** Where scripts/setup-environment.sh installs buildkitd and buildctl. */
const BINARIES = '/usr/local/lib/aio-test/buildkitd'
const IMAGE = 'aio-test/buildkitd:latest'

// Debian's runc for the OCI worker, linked against the image's own libc.
// Nothing else: with host networking the worker needs no CNI or iptables.
const DOCKERFILE = `FROM debian:trixie-slim
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends runc \\
 && rm -rf /var/lib/apt/lists/*
COPY buildkitd buildctl /usr/local/bin/
ENTRYPOINT ["buildkitd"]
`

// What buildkitd's runc needs to start build containers, short of
// --privileged: every capability but the one the host lacks, no seccomp or
// AppArmor profile in the way of its mounts, and the cgroup hierarchy
// writable. Host networking: build steps reach Debian's archive and the
// daemon reaches the loopback registry. Its state lives in an anonymous
// volume (overlayfs cannot stack on the container's own), removed with it.
const DAEMON_OPTIONS = [
  '--network',
  'host',
  // Every capability the engine can grant: Docker 28 leaves out those the
  // host's bounding set lacks (CAP_SYS_RESOURCE here) and refuses to name them.
  '--cap-add',
  'ALL',
  '--security-opt',
  'seccomp=unconfined',
  '--security-opt',
  'apparmor=unconfined',
  '--mount',
  'type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup',
  '--mount',
  'type=volume,target=/var/lib/buildkit'
]

/** The base images pushed as the mirror's debian:trixie-slim, by architecture, the native first. */
const BASES: ReadonlyArray<[arch: string, image: string]> = [
  ['amd64', 'debian:trixie-slim'],
  ['386', 'aio-test/debian-i386:trixie-slim']
]
export const BASE_PLATFORMS = BASES.map(([arch]) => `linux/${arch}`)

// One image per architecture from its root filesystem, so that the index
// carries each platform (the engine's own images here say amd64 whatever
// they hold).
const BASE_DOCKERFILE = `FROM scratch
ARG TARGETARCH
ADD rootfs-\${TARGETARCH}.tar /
CMD ["bash"]
`

export class TestBuilder {
  private constructor(
    /** The buildx builder's name, for the `builder` input. */
    readonly name: string,
    private readonly dockerConfig: string,
    private readonly root: string
  ) {}

  /**
   * Starts buildkitd (bounded wait for its worker), creates the builder in
   * the registry's DOCKER_CONFIG (the one the action then runs with, whose
   * credentials buildx hands to BuildKit) and pushes the bases.
   */
  static async start(registry: TestRegistry): Promise<TestBuilder> {
    for (const binary of ['buildkitd', 'buildctl']) {
      if (!fs.existsSync(path.join(BINARIES, binary)))
        throw new Error(`${BINARIES}/${binary} is missing: run scripts/setup-environment.sh`)
    }
    const root = tempDir('aio-test-buildkit-')
    const builder = new TestBuilder(
      `aio-test-buildkit-${crypto.randomBytes(3).toString('hex')}`,
      registry.dockerConfig,
      root
    )
    try {
      await builder.startDaemon(registry.host)
      await builder.pushBases(registry.host)
    } catch (error) {
      await builder.stop()
      throw error
    }
    return builder
  }

  /** `docker buildx ARGS` with the registry's DOCKER_CONFIG, where the builder is known. */
  private async buildx(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['buildx', ...args], {
      env: { ...process.env, DOCKER_CONFIG: this.dockerConfig },
      maxBuffer: 64 * 1024 * 1024
    })
    return stdout
  }

  /** Drops the builder's own build cache: a build after this reuses only the cache it imports. */
  async prune(): Promise<void> {
    await this.buildx('prune', '--builder', this.name, '--all', '--force')
  }

  async stop(): Promise<void> {
    await this.buildx('rm', this.name).catch(() => undefined)
    await dockerStatus('rm', '--force', '--volumes', this.name)
    fs.rmSync(this.root, { recursive: true, force: true })
  }

  private async startDaemon(registry: string): Promise<void> {
    const config = path.join(this.root, 'buildkitd.toml')
    // The loopback registry speaks plain HTTP and stands in for Docker Hub.
    fs.writeFileSync(
      config,
      [
        '[registry."docker.io"]',
        `  mirrors = ["${registry}"]`,
        `[registry."${registry}"]`,
        '  http = true',
        ''
      ].join('\n')
    )
    const dockerfile = path.join(this.root, 'Dockerfile')
    fs.writeFileSync(dockerfile, DOCKERFILE)
    await docker(
      'build',
      '--quiet',
      '--label',
      'aio-test=1',
      '--tag',
      IMAGE,
      '--file',
      dockerfile,
      BINARIES
    )
    const address = `tcp://127.0.0.1:${await freePort()}`
    await docker(
      'run',
      '--detach',
      '--name',
      this.name,
      '--label',
      'aio-test=1',
      ...DAEMON_OPTIONS,
      '--mount',
      `type=bind,source=${config},target=/etc/buildkit/buildkitd.toml,readonly`,
      IMAGE,
      '--addr',
      address,
      '--oci-worker-net',
      'host'
    )
    await pollUntil(
      async () =>
        run(path.join(BINARIES, 'buildctl'), ['--addr', address, 'debug', 'workers']).then(
          () => true,
          () => false
        ),
      {
        intervalMs: 250,
        timeoutMs: 30_000,
        checkEvery: 8,
        check: async () => {
          if ((await docker('inspect', '-f', '{{.State.Running}}', this.name)) !== 'true')
            throw new Error(`buildkitd exited: ${(await dockerStatus('logs', this.name)).output}`)
        }
      }
    )
    await this.buildx('create', '--name', this.name, '--driver', 'remote', address)
  }

  private async pushBases(registry: string): Promise<void> {
    const context = path.join(this.root, 'base')
    fs.mkdirSync(context)
    for (const [arch, image] of BASES) {
      const container = await docker('create', image)
      try {
        await docker('export', '--output', path.join(context, `rootfs-${arch}.tar`), container)
      } finally {
        await dockerStatus('rm', container)
      }
    }
    fs.writeFileSync(path.join(context, 'Dockerfile'), BASE_DOCKERFILE)
    await this.buildx(
      'build',
      '--builder',
      this.name,
      '--platform',
      BASE_PLATFORMS.join(','),
      '--provenance=false',
      '--tag',
      `${registry}/library/debian:trixie-slim`,
      '--push',
      context
    )
    fs.rmSync(context, { recursive: true, force: true })
  }
}

// How the Docker wrapper runs buildx, as the toolkit resolves it: the
// docker CLI plugin when there is a docker command, a standalone buildx
// binary otherwise. Fake programs on PATH record how they were called.
import fs from 'node:fs'
import path from 'node:path'
import { Docker } from '../../src/engine/docker.js'
import { EngineUnavailableError, failureDetail } from '../../src/engine/errors.js'
import { tempDir } from '../helpers/tmp.js'

const INSPECT = `Name:   ci
Driver: docker-container

Nodes:
Name:      ci0
Endpoint:  unix:///var/run/docker.sock
Status:    running
Platforms: linux/amd64, linux/386
`

/** A program `name` in `dir` that appends its command line to `calls` and answers like buildx. */
function fakeProgram(dir: string, name: string, calls: string): void {
  const file = path.join(dir, name)
  fs.writeFileSync(
    file,
    `#!/bin/sh
printf '%s\\n' "${name} $*" >> '${calls}'
case "$*" in
  *version) echo 'github.com/docker/buildx v0.19.3 48d6a3f' ;;
  *inspect*) printf '%s' '${INSPECT}' ;;
  *broken) echo 'ERROR: failed to solve: broken' >&2; exit 1 ;;
esac
`
  )
  fs.chmodSync(file, 0o755)
}

/** A PATH of nothing but the fake `programs`, and the file their calls go to. */
function fakePath(programs: string[]): { calls: () => string[] } {
  const dir = binDir()
  const calls = path.join(dir, 'calls')
  for (const name of programs) fakeProgram(dir, name, calls)
  process.env.PATH = dir
  return { calls: () => fs.readFileSync(calls, 'utf8').trim().split('\n') }
}

const realPath = process.env.PATH
const binDirs: string[] = []
function binDir(): string {
  binDirs.push(tempDir('aio-fake-bin-'))
  return binDirs[binDirs.length - 1]
}
afterEach(() => {
  process.env.PATH = realPath
  for (const dir of binDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

describe('buildx through the Docker wrapper', () => {
  it('runs the docker CLI plugin when there is a docker command', async () => {
    const fake = fakePath(['docker', 'buildx'])
    const docker = new Docker()
    const lines: string[] = []
    await docker.buildx(['build', '--load', '/ctx'], line => lines.push(line))
    expect(await docker.buildxVersion()).toBe('0.19.3')
    expect((await docker.builderInfo('ci')).driver).toBe('docker-container')
    expect(fake.calls()).toEqual([
      'docker buildx build --load /ctx',
      'docker buildx version',
      'docker buildx inspect ci'
    ])
    expect(lines[0]).toBe('docker buildx build --load /ctx')
  })

  it('runs a standalone buildx when there is no docker command', async () => {
    const fake = fakePath(['buildx'])
    const docker = new Docker()
    const lines: string[] = []
    await docker.buildx(['build', '--load', '/ctx'], line => lines.push(line))
    expect(await docker.buildxVersion()).toBe('0.19.3')
    expect((await docker.builderInfo()).name).toBe('ci')
    expect(fake.calls()).toEqual(['buildx build --load /ctx', 'buildx version', 'buildx inspect'])
    expect(lines[0]).toBe('buildx build --load /ctx')
  })

  it('names the command that failed, and what is missing', async () => {
    fakePath(['buildx'])
    const docker = new Docker()
    await expect(docker.buildx(['build', '--load', 'broken'], () => undefined)).rejects.toThrow(
      'buildx build failed with exit code 1:\nERROR: failed to solve: broken'
    )
    process.env.PATH = binDir()
    const missing = docker.buildxVersion()
    await expect(missing).rejects.toThrow(EngineUnavailableError)
    await expect(missing).rejects.toThrow(/^buildx is not available: /)
  })
})

describe("a failed build's message", () => {
  it("shows the failed step's whole log, where the tool said why, not only its last lines", () => {
    const output = [
      '#11 [app-deps 7/8] COPY app/package-lock.json app/package.json /app/',
      '#11 DONE 0.0s',
      '#12 [app-deps 8/8] RUN /run/aio-deps install npm prod',
      '#12 2.0 npm ERR! `npm ci` can only install packages when your package.json and package-lock.json are in sync.',
      ...Array.from({ length: 20 }, (_, i) => `#12 2.0 npm ERR! usage line ${i}`),
      '#12 ERROR: executor failed running [/bin/sh -c /run/aio-deps install npm prod]: exit code: 1',
      '------',
      ' > [app-deps 8/8] RUN /run/aio-deps install npm prod:',
      ...Array.from({ length: 10 }, (_, i) => `2.0 npm ERR! usage line ${i + 10}`),
      '------',
      'ERROR: failed to solve: executor failed running: exit code: 1'
    ].join('\n')
    const detail = failureDetail(output)
    expect(detail).toMatch(/^#12 \[app-deps 8\/8\]/)
    expect(detail).toContain('are in sync.')
    expect(detail.split('\n').at(-1)).toBe(
      'ERROR: failed to solve: executor failed running: exit code: 1'
    )
    expect(detail).not.toContain('#11')
  })

  it('shows the last lines of any other failure', () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')
    expect(failureDetail(output).split('\n')).toEqual(
      Array.from({ length: 15 }, (_, i) => `line ${i + 15}`)
    )
  })
})

// Runs a bundled example through the action as a runner would, and looks
// inside the containers of its images.
import fs from 'node:fs'
import path from 'node:path'
import { listeningPorts } from '../../src/measure/boot.js'
import { ROOT, runAction, runPost, type ActionRun } from './action-runner.js'
import { debianPsycopg, psycopgPin } from './debian-psycopg.js'
import { TestContainer } from './docker.js'
import { TestPythonIndex } from './python-index.js'

/** Image names of this suite's examples: aio-i5-<example>[-<variant>]. */
export const EXAMPLE_PREFIX = 'aio-i5-'
/** First builds install Node, PostgreSQL and Python from Debian's archive. */
export const EXAMPLE_BUILD_TIMEOUT = 20 * 60_000

// What this machine trusts, for the build stages' downloads (npm): a
// TLS-inspecting proxy's CA is in it when there is one.
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'

/** The action on examples/<name>/aio.yml, images named with EXAMPLE_PREFIX. */
export function runExample(name: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    config: path.join(ROOT, 'examples', name, 'aio.yml'),
    name: `${EXAMPLE_PREFIX}${name}`,
    'idle-settle': '1s',
    ...(fs.existsSync(HOST_CA_BUNDLE) ? { 'build-ca-certificates': HOST_CA_BUNDLE } : {}),
    ...inputs
  })
}

/**
 * Runs the action on the example before the file's tests, and its post step
 * after them; `inputs` is read when the run starts.
 */
export function exampleRun(
  name: string,
  inputs: () => Record<string, string> = () => ({})
): { readonly run: ActionRun } {
  const holder = {} as { run: ActionRun }
  beforeAll(async () => {
    holder.run = await runExample(name, inputs())
  }, EXAMPLE_BUILD_TIMEOUT)
  afterAll(() => runPost(holder.run), 60_000)
  return holder
}

/**
 * PyPI's stand-in for an example whose requirements.txt pins psycopg: an
 * index serving psycopg as Debian's trixie ships it, started before the
 * file's tests and stopped after them. `inputs` points pip at it as a user
 * points it at a mirror (plain HTTP, so a trusted host). The pin must be
 * Debian's version: when trixie moves on, this fails saying which to pin.
 */
export function examplePsycopgIndex(name: string): {
  readonly index: TestPythonIndex
  readonly version: string
  readonly inputs: Record<string, string>
} {
  const holder = {} as { index: TestPythonIndex; version: string }
  beforeAll(async () => {
    const psycopg = await debianPsycopg()
    const requirements = path.join(ROOT, 'examples', name, 'requirements.txt')
    const pin = psycopgPin(requirements)
    if (pin !== psycopg.version)
      throw new Error(
        `${requirements} pins psycopg==${pin}, but Debian trixie's python3-psycopg is ${psycopg.version}: pin that`
      )
    holder.version = psycopg.version
    holder.index = await TestPythonIndex.start({ distributions: [psycopg] })
  }, 5 * 60_000)
  afterAll(() => holder.index?.stop())
  return {
    get index() {
      return holder.index
    },
    get version() {
      return holder.version
    },
    get inputs() {
      return {
        'build-args': [
          `PIP_INDEX_URL=${holder.index.url}`,
          `PIP_TRUSTED_HOST=${holder.index.host}`
        ].join('\n')
      }
    }
  }
}

/** A container of an example's image (`image` without the prefix), not created yet. */
export function exampleContainer(
  image: string,
  port: number,
  env: Record<string, string> = {}
): TestContainer {
  return new TestContainer(
    `${EXAMPLE_PREFIX}${image}`,
    port,
    `${EXAMPLE_PREFIX}${image.replace(/:.*/, '')}`,
    env
  )
}

/** Creates and starts the container on a fresh volume, and waits until `readyPath` answers. */
export async function startContainer(container: TestContainer, readyPath?: string): Promise<void> {
  await container.create()
  await container.start()
  await container.ready(readyPath)
}

/** exampleContainer, started before the enclosing block's tests and removed after them. */
export function startedExampleContainer(
  image: string,
  port: number,
  options: { env?: Record<string, string>; readyPath?: string } = {}
): TestContainer {
  const container = exampleContainer(image, port, options.env)
  beforeAll(() => startContainer(container, options.readyPath), 120_000)
  afterAll(() => container.remove())
  return container
}

/** Fails with the step's log when the action did not succeed. */
export function expectSucceeded(run: ActionRun): void {
  if (run.exitCode !== 0 || run.outputs.passed !== 'true')
    throw new Error(`the action failed (exit ${run.exitCode}):\n${run.log}`)
}

/** The TCP ports anything in the container listens on (IPv4 and IPv6). */
export async function containerListeningPorts(container: TestContainer): Promise<number[]> {
  const { output } = await container.exec(
    'sh',
    '-c',
    'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true'
  )
  return listeningPorts(output)
}

/** One SQL statement through psql in the container, as root (the superuser) or `user`'s role. */
export async function psql(container: TestContainer, sql: string, user?: string): Promise<string> {
  const command = ['psql', '-XAtq', '-c', sql]
  const { code, output } = user
    ? await container.execAs(user, ...command)
    : await container.exec(...command.slice(0, 2), '--username=postgres', ...command.slice(2))
  if (code !== 0) throw new Error(`psql ${JSON.stringify(sql)} failed: ${output}`)
  return output.trim()
}

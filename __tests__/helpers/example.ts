// Runs a bundled example through the action as a runner would, and looks
// inside the containers of its images.
import fs from 'node:fs'
import path from 'node:path'
import { listeningPorts } from '../../src/measure/boot.js'
import { ROOT, runAction, runPost, type ActionRun } from './action-runner.js'
import { TestContainer } from './docker.js'

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

/** Runs the action on the example before the file's tests, and its post step after them. */
export function exampleRun(name: string): { readonly run: ActionRun } {
  const holder = {} as { run: ActionRun }
  beforeAll(async () => {
    holder.run = await runExample(name)
  }, EXAMPLE_BUILD_TIMEOUT)
  afterAll(() => runPost(holder.run), 60_000)
  return holder
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

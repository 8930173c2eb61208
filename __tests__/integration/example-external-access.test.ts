// examples/external-access end to end: PostgreSQL closed by default, opened
// at run time by EXTERNAL_ACCESS_ENABLE / EXTERNAL_ACCESS_METHOD with a
// password, and a client on Docker's bridge network to prove both.
import { docker, dockerStatus, type TestContainer } from '../helpers/docker.js'
import {
  containerListeningPorts,
  EXAMPLE_PREFIX,
  exampleContainer,
  exampleRun,
  expectSucceeded,
  psql,
  startContainer
} from '../helpers/example.js'

const IMAGE = `${EXAMPLE_PREFIX}external-access:latest`
const ROLE = `${EXAMPLE_PREFIX}external-access`.replace(/-/g, '_')
const PASSWORD = 'correct horse battery staple'

const example = exampleRun('external-access')

it('builds, boots and measures the image', () => expectSucceeded(example.run))

/** psql in a second container of the image: a client on Docker's bridge network. */
async function connectFromBridge(
  server: TestContainer,
  password: string
): Promise<{ code: number; output: string }> {
  const address = await docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', server.name)
  return dockerStatus(
    'run',
    '--rm',
    '--env',
    `PGPASSWORD=${password}`,
    '--entrypoint',
    'psql',
    IMAGE,
    `host=${address} port=5432 user=${ROLE} dbname=${ROLE} connect_timeout=5`,
    '-XAtc',
    'SELECT 1'
  )
}

async function started(env: Record<string, string>): Promise<TestContainer> {
  const container = exampleContainer('external-access:latest', 8000, env)
  await startContainer(container)
  return container
}

it('is closed by default: nothing listens on 5432, a client on the bridge is refused', async () => {
  const container = await started({ POSTGRES_PASSWORD: PASSWORD })
  try {
    expect(await containerListeningPorts(container)).toEqual([8000])
    expect(await (await fetch(container.url('/health'))).json()).toMatchObject({ external: false })
    const client = await connectFromBridge(container, PASSWORD)
    expect(client.code).not.toBe(0)
    expect(client.output).toMatch(/Connection refused/)
  } finally {
    await container.remove()
  }
}, 120_000)

it('opens with EXTERNAL_ACCESS_ENABLE=true: scram-sha-256 and the password', async () => {
  const container = await started({ EXTERNAL_ACCESS_ENABLE: 'true', POSTGRES_PASSWORD: PASSWORD })
  try {
    expect(await containerListeningPorts(container)).toEqual([5432, 8000])
    expect(
      await psql(
        container,
        "SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'"
      )
    ).toBe('scram-sha-256')
    expect(await connectFromBridge(container, PASSWORD)).toEqual({ code: 0, output: '1\n' })
    const wrong = await connectFromBridge(container, 'guess')
    expect(wrong.output).toMatch(/password authentication failed/)
  } finally {
    await container.remove()
  }
}, 120_000)

it('takes md5 with a warning, and refuses trust and a missing password', async () => {
  const md5 = await started({
    EXTERNAL_ACCESS_ENABLE: 'true',
    EXTERNAL_ACCESS_METHOD: 'md5',
    POSTGRES_PASSWORD: PASSWORD
  })
  try {
    expect(await md5.logs()).toMatch(/EXTERNAL_ACCESS_METHOD=md5 is deprecated/)
    expect(await connectFromBridge(md5, PASSWORD)).toEqual({ code: 0, output: '1\n' })
  } finally {
    await md5.remove()
  }
  for (const [env, message] of [
    [
      {
        EXTERNAL_ACCESS_ENABLE: 'true',
        EXTERNAL_ACCESS_METHOD: 'trust',
        POSTGRES_PASSWORD: PASSWORD
      },
      /EXTERNAL_ACCESS_METHOD=trust is refused/
    ],
    [{ EXTERNAL_ACCESS_ENABLE: 'true' }, /EXTERNAL_ACCESS_ENABLE=true needs a password/]
  ] as const) {
    const refused = exampleContainer('external-access:latest', 8000, env)
    try {
      await refused.create()
      await refused.start()
      const exit = await docker('wait', refused.name)
      expect(exit).toBe('1')
      expect(await refused.logs()).toMatch(message)
    } finally {
      await refused.remove()
    }
  }
}, 180_000)

// examples/santaserver end to end: nginx (non-root, 8080) serves the Svelte
// SPA built by Vite in a Node stage and proxies /api and WebSocket upgrades
// to uvicorn over a Unix socket; the app has no TCP listener and no embedded
// database.
import WebSocket from 'ws'
import { docker } from '../helpers/docker.js'
import {
  containerListeningPorts,
  exampleRun,
  expectSucceeded,
  startedExampleContainer
} from '../helpers/example.js'

const example = exampleRun('santaserver')

it('builds, boots and measures the image, with no database to shut down', () => {
  const { run } = example
  expectSucceeded(run)
  expect(run.summary).toContain('| Graceful stop |')
  expect(run.summary).toMatch(/nginx/)
})

describe('a container of the image', () => {
  // The database is external: its URL arrives at run time.
  const container = startedExampleContainer('santaserver:latest', 8080, {
    env: { DATABASE_URL: 'postgresql://santa@db.invalid/santa' }
  })

  it('serves the built SPA at /, its assets, and index.html for its own routes', async () => {
    let index = ''
    for (const route of ['/', '/machines/42']) {
      const page = await fetch(container.url(route))
      expect(page.status).toBe(200)
      index = await page.text()
      expect(index).toContain('<h1>SantaServer</h1>')
    }
    // Vite names the bundle by its content hash: index.html says which it is.
    const asset = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1]
    expect(asset).toBeDefined()
    const bundle = await fetch(container.url(asset as string))
    expect(bundle.headers.get('content-type')).toMatch(/javascript/)
    expect(await bundle.text()).toContain('/api/ws')
  })

  it('proxies /api to the app over its Unix socket', async () => {
    const status = await (await fetch(container.url('/api/status'))).json()
    expect(status).toMatchObject({
      status: 'ok',
      database: 'configured',
      listening: '/run/app/app.sock'
    })
    const rules = (await (await fetch(container.url('/api/rules'))).json()) as unknown[]
    expect(rules).toHaveLength(2)
    expect((await container.exec('test', '-S', '/run/app/app.sock')).code).toBe(0)
  })

  it('passes WebSocket upgrades through', async () => {
    const socket = new WebSocket(container.url('/api/ws').replace(/^http/, 'ws'))
    const reply = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no WebSocket reply within 10 s')), 10_000)
      socket.on('open', () => socket.send('ping'))
      socket.on('message', data => {
        clearTimeout(timer)
        resolve(JSON.parse(String(data)))
      })
      socket.on('error', reject)
    }).finally(() => socket.close())
    expect(reply).toEqual({ seq: 1, echo: 'ping' })
  })

  it('has nginx alone on TCP (8080), running as the non-root user nginx', async () => {
    expect(await containerListeningPorts(container)).toEqual([8080])
    const top = await docker('top', container.name, '-o', 'pid,uid,args')
    const nginx = top.split('\n').filter(line => /nginx: (master|worker)/.test(line))
    expect(nginx.length).toBeGreaterThanOrEqual(2)
    for (const process of nginx) expect(process.trim().split(/\s+/)[1]).toBe('101')
  })
})

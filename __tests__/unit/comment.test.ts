// The pull-request comment against a recorded GitHub API exchange: a
// loopback server replays the recorded responses in order and refuses any
// request the recording does not have. The module reads the event the way
// it does on a runner (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,
// GITHUB_REPOSITORY, GITHUB_API_URL), so it is imported after they are set.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { ROOT } from '../helpers/action-runner.js'
import { tempDir } from '../helpers/tmp.js'

interface Exchange {
  request: { method: string; path: string }
  response: { status: number; headers: Record<string, string>; body: unknown }
}

interface Seen {
  method: string
  path: string
  authorization?: string
  body: { body?: string }
}

const recording = JSON.parse(
  fs.readFileSync(path.join(ROOT, '__tests__/fixtures/github-pr-comment.json'), 'utf8')
) as { runs: Exchange[][] }

/** Serves the loaded exchanges in order; anything else answers 599 and is recorded as unexpected. */
async function replayServer() {
  const pending: Exchange[] = []
  const seen: Seen[] = []
  const server = http.createServer((request, response) => {
    let text = ''
    request.on('data', chunk => (text += chunk))
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        body: text ? JSON.parse(text) : {}
      })
      const next = pending[0]
      if (!next || next.request.method !== request.method || next.request.path !== request.url) {
        response.writeHead(599).end('not in the recording')
        return
      }
      pending.shift()
      response.writeHead(next.response.status, next.response.headers)
      response.end(JSON.stringify(next.response.body))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    pending,
    load(exchanges: Exchange[]) {
      pending.splice(0, pending.length, ...exchanges)
      seen.length = 0
    },
    close: () => new Promise(resolve => server.close(resolve))
  }
}

function recordingLog() {
  const lines: string[] = []
  return {
    lines,
    info: (message: string) => void lines.push(message),
    warning: (message: string) => void lines.push(`warning: ${message}`)
  }
}

const SUMMARY =
  '## aio-image: notes ✅ passed\n\n| figure | value |\n| --- | --- |\n| image size | 186.3 MB |\n'

describe('pull-request comment', () => {
  const saved = { ...process.env }
  let server: Awaited<ReturnType<typeof replayServer>>
  let comment: typeof import('../../src/action/comment.js')

  // @actions/github reads the event once, when first imported.
  beforeAll(async () => {
    server = await replayServer()
    const eventFile = path.join(tempDir(), 'event.json')
    fs.writeFileSync(
      eventFile,
      JSON.stringify({ action: 'synchronize', number: 42, pull_request: { number: 42 } })
    )
    Object.assign(process.env, {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_REPOSITORY: 'acme/notes',
      GITHUB_API_URL: server.url
    })
    comment = await import('../../src/action/comment.js')
  })

  afterAll(async () => {
    await server.close()
    process.env = saved
  })

  it('is created on the first run, then updated in place, found by its marker', async () => {
    const [first, second] = recording.runs
    server.load([...first, ...second])
    const log = recordingLog()

    await comment.commentOnPullRequest('t0ken', 'notes', SUMMARY, process.env, log)
    await comment.commentOnPullRequest('t0ken', 'notes', SUMMARY, process.env, log)

    expect(server.pending).toEqual([])
    expect(server.seen.map(request => `${request.method} ${request.path}`)).toEqual([
      'GET /repos/acme/notes/issues/42/comments?per_page=100',
      'POST /repos/acme/notes/issues/42/comments',
      'GET /repos/acme/notes/issues/42/comments?per_page=100',
      'PATCH /repos/acme/notes/issues/comments/1830000177'
    ])
    for (const request of server.seen) expect(request.authorization).toBe('token t0ken')
    const [created, updated] = [server.seen[1].body.body, server.seen[3].body.body]
    expect(created).toBe(`<!-- aio-image: notes -->\n${SUMMARY}`)
    expect(updated).toBe(created)
    expect(log.lines).toEqual([
      'created the pull-request comment https://github.com/acme/notes/pull/42#issuecomment-1830000177',
      'updated the pull-request comment https://github.com/acme/notes/pull/42#issuecomment-1830000177'
    ])
  })

  it('warns, without failing, when the token may not comment', async () => {
    server.load(recording.runs[2])
    const log = recordingLog()
    await comment.commentOnPullRequest('read-only', 'notes', SUMMARY, process.env, log)
    expect(server.seen).toHaveLength(1)
    expect(log.lines).toEqual([
      expect.stringMatching(
        /^warning: could not comment on pull request #42 \(the token may not write: a pull request from a fork gets a read-only one; .*\): Resource not accessible by integration/
      )
    ])
  })

  it('attempts nothing without a token', async () => {
    server.load([])
    const log = recordingLog()
    await comment.commentOnPullRequest('', 'notes', SUMMARY, process.env, log)
    expect(server.seen).toEqual([])
    expect(log.lines).toEqual([])
  })

  it('finds the pull request only on pull-request events', async () => {
    const { pullRequestOf } = comment
    const payload = { pull_request: { number: 7 } }
    const event = { payload, apiUrl: 'https://api.github.com', repository: 'acme/notes' }
    expect(pullRequestOf({ ...event, eventName: 'pull_request' })).toEqual({
      owner: 'acme',
      repo: 'notes',
      number: 7,
      apiUrl: 'https://api.github.com'
    })
    expect(pullRequestOf({ ...event, eventName: 'push' })).toBeUndefined()
    expect(pullRequestOf({ ...event, eventName: 'pull_request', payload: {} })).toBeUndefined()
    expect(comment.commentBody('notes', 'x'.repeat(70_000)).length).toBeLessThanOrEqual(65_536)
  })
})

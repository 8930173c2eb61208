// The app, standing in for the Phoenix endpoint: the API under /api, the
// built single-page app from public/ for every other path, /health.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from './db.js'

const publicDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public')
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' }
const db = connect()
await db.connect()

function json(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

async function readBody(request) {
  let body = ''
  for await (const chunk of request) body += chunk
  return body === '' ? {} : JSON.parse(body)
}

function serveStatic(url, response) {
  const file = path.join(publicDir, path.normalize(url.pathname))
  const found = file.startsWith(publicDir) && fs.statSync(file, { throwIfNoEntry: false })?.isFile()
  // Single-page app: any other path is the app's own route.
  const served = found ? file : path.join(publicDir, 'index.html')
  response.writeHead(200, {
    'content-type': types[path.extname(served)] ?? 'application/octet-stream'
  })
  fs.createReadStream(served).pipe(response)
}

const server = http.createServer(async (request, response) => {
  const url = new URL(request.url, 'http://localhost')
  try {
    if (url.pathname === '/health') {
      await db.query('SELECT 1')
      json(response, 200, { status: 'ok' })
    } else if (url.pathname === '/api/boards' && request.method === 'GET') {
      json(response, 200, (await db.query('SELECT id, name FROM boards ORDER BY id')).rows)
    } else if (url.pathname === '/api/boards' && request.method === 'POST') {
      const { name } = await readBody(request)
      const { rows } = await db.query('INSERT INTO boards (name) VALUES ($1) RETURNING id, name', [
        name
      ])
      json(response, 201, rows[0])
    } else if (url.pathname.startsWith('/api/')) {
      json(response, 404, { error: 'not found' })
    } else {
      serveStatic(url, response)
    }
  } catch (error) {
    json(response, 500, { error: error.message })
  }
})

server.listen(Number(process.env.PORT ?? 4000), '0.0.0.0')
// docker stop reaches the app as SIGTERM: finish and close the connection.
process.on('SIGTERM', () => server.close(() => db.end().then(() => process.exit(0))))

// Viban.Release.migrate(), in Node: applies the migrations not yet applied,
// each in its own transaction, and records every run. The image runs it
// before the app at every start (migrate-command).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from './db.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
const client = connect()
await client.connect()
try {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
  await client.query(`CREATE TABLE IF NOT EXISTS migration_runs (
    id bigserial PRIMARY KEY, ran_at timestamptz NOT NULL DEFAULT now(), applied int NOT NULL)`)
  const done = new Set(
    (await client.query('SELECT version FROM schema_migrations')).rows.map(row => row.version)
  )
  const pending = fs
    .readdirSync(dir)
    .filter(file => file.endsWith('.sql') && !done.has(file))
    .sort()
  for (const file of pending) {
    await client.query('BEGIN')
    await client.query(fs.readFileSync(path.join(dir, file), 'utf8'))
    await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file])
    await client.query('COMMIT')
    console.log(`migrate: applied ${file}`)
  }
  await client.query('INSERT INTO migration_runs (applied) VALUES ($1)', [pending.length])
  console.log(`migrate: ${pending.length} applied, ${done.size} already there`)
} finally {
  await client.end()
}

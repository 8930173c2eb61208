// Small projects of each kind `aio-image init` recognises, as files to write
// into a temporary directory.

const packageJson = (fields: Record<string, unknown>) => JSON.stringify(fields, null, 2)

/** A FastAPI app with a /health route, as main.py. */
const FASTAPI_MAIN = [
  'from fastapi import FastAPI',
  'app = FastAPI()',
  '@app.get("/health")',
  'def health(): return "ok"'
].join('\n')

/** A uv.lock (or poetry.lock: the same [[package]] tables) pinning `versions`. */
const pythonLock = (versions: Record<string, string>) =>
  [
    'version = 1',
    'requires-python = ">=3.11"',
    ...Object.entries(versions).map(([name, version]) =>
      [
        '',
        '[[package]]',
        `name = "${name}"`,
        `version = "${version}"`,
        'source = { registry = "https://pypi.org/simple" }'
      ].join('\n')
    )
  ].join('\n')

export const PROJECTS: Record<string, Record<string, string>> = {
  node: {
    'package.json': packageJson({
      name: '@acme/shop-api',
      scripts: { start: 'node src/server.js' },
      dependencies: { express: '^4.19.0', pg: '^8.11.0' }
    }),
    'package-lock.json': packageJson({
      name: '@acme/shop-api',
      lockfileVersion: 3,
      packages: { 'node_modules/pg': { version: '8.11.3' } }
    }),
    'src/server.js': [
      "const app = require('express')()",
      "app.get('/healthz', (req, res) => res.send('ok'))",
      'app.listen(process.env.PORT || 3000)'
    ].join('\n')
  },
  // What the build refuses until `npm install --package-lock-only` has run.
  'node-unlocked': {
    'package.json': packageJson({
      name: 'todo',
      main: 'index.js',
      dependencies: { fastify: '^4.26.0' }
    }),
    'index.js': "require('fastify')().listen({ port: process.env.PORT ?? 3000 })\n"
  },
  pnpm: {
    'package.json': packageJson({
      name: 'board',
      main: 'server.js',
      scripts: { build: 'tsc', start: 'nodemon server.js' },
      dependencies: { postgres: '^3.4.0' }
    }),
    'pnpm-lock.yaml':
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      postgres:\n        specifier: ^3.4.0\n        version: 3.4.4\n",
    'server.js': "require('node:http').createServer().listen(process.env.PORT || 8081)\n"
  },
  bun: {
    'package.json': packageJson({
      name: 'feed',
      scripts: { start: 'NODE_ENV=production node feed.js' },
      dependencies: { hono: '^4.0.0' }
    }),
    'bun.lock': '{\n  "lockfileVersion": 1,\n  "packages": { "hono": ["hono@4.6.3"] }\n}\n',
    'feed.js': "require('node:http').createServer().listen(process.env.PORT || 3000)\n"
  },
  // The project: every dependency pinned.
  requirements: {
    'requirements.txt': [
      'fastapi==0.115.6',
      'uvicorn[standard]==0.32.1',
      'psycopg[binary]==3.2.3',
      'authlib==1.3.2'
    ].join('\n'),
    'main.py': FASTAPI_MAIN
  },
  flask: {
    'requirements.txt': '# web\nFlask>=2.2\npsycopg[binary]==3.1.7  # the database\n-r dev.txt\n',
    'app.py': [
      'import os',
      'from flask import Flask',
      'app = Flask(__name__)',
      '@app.route("/health")',
      'def health(): return "ok"',
      'app.run(port=int(os.environ.get("PORT", "5000")))'
    ].join('\n')
  },
  uv: {
    'pyproject.toml': [
      '[project]',
      'name = "inventory"',
      'dependencies = ["fastapi>=0.100", "uvicorn[standard]", "psycopg>=3.2"]'
    ].join('\n'),
    'uv.lock': pythonLock({ fastapi: '0.115.6', uvicorn: '0.32.1', psycopg: '3.2.3' }),
    'main.py': FASTAPI_MAIN
  },
  // What the build refuses until `uv lock` has run.
  pyproject: {
    'pyproject.toml': [
      '[project]',
      'name = "inventory"',
      'dependencies = ["fastapi>=0.100", "uvicorn[standard]", "PyYAML"]'
    ].join('\n'),
    'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n'
  },
  // A script with no manifest: nothing pinned, so its imports come from Debian.
  script: {
    'app.py': 'import psycopg\nfrom http.server import HTTPServer\n'
  },
  elixir: {
    'mix.exs': [
      'defmodule Chat.MixProject do',
      '  def project, do: [app: :chat, version: "0.1.0", deps: deps()]',
      '  defp deps, do: [{:phoenix, "~> 1.7"}, {:ecto_sql, "~> 3.10"}, {:postgrex, ">= 0.0.0"}]',
      'end'
    ].join('\n'),
    'mix.lock':
      '%{\n  "phoenix": {:hex, :phoenix, "1.7.14", "a7d0b3f1", [:mix], [], "hexpm", "c7859bc5"},\n}\n',
    // As `mix phx.gen.release` writes it.
    'lib/chat/release.ex': [
      'defmodule Chat.Release do',
      '  @app :chat',
      '  def migrate do',
      '    for repo <- Application.fetch_env!(@app, :ecto_repos) do',
      '      {:ok, _, _} = Ecto.Migrator.with_repo(repo, &Ecto.Migrator.run(&1, :up, all: true))',
      '    end',
      '  end',
      'end'
    ].join('\n')
  },
  go: {
    'go.mod':
      'module github.com/acme/ledger\n\ngo 1.22\n\nrequire (\n\tgithub.com/jackc/pgx/v5 v5.5.0\n)\n',
    'go.sum': 'github.com/jackc/pgx/v5 v5.5.0 h1:NxstgwndsTRy7eq9/kqYc/BZh5w2hHJV86wjvO+1xPw=\n',
    'main.go': [
      'package main',
      'import "net/http"',
      'func main() {',
      '\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})',
      '\thttp.ListenAndServe(":9090", nil)',
      '}'
    ].join('\n')
  },
  dockerfile: {
    Dockerfile: [
      'FROM python:3.12-slim',
      'RUN pip install flask',
      'COPY . /srv',
      'EXPOSE 5000',
      'CMD ["python", "serve.py", "--greeting", "hello world"]'
    ].join('\n')
  },
  empty: {}
}

/** The projects above whose lockfile is missing, and its name: the build refuses them until it exists. */
export const MISSING_LOCKFILES: Record<string, string> = {
  'node-unlocked': 'package-lock.json',
  pyproject: 'uv.lock'
}

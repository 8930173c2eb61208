// Small projects of each kind `aio-image init` recognises, as files to write
// into a temporary directory.
export const PROJECTS: Record<string, Record<string, string>> = {
  node: {
    'package.json': JSON.stringify({
      name: '@acme/shop-api',
      scripts: { start: 'node src/server.js' },
      dependencies: { express: '^4.19.0', pg: '^8.11.0' }
    }),
    'src/server.js': [
      "const app = require('express')()",
      "app.get('/healthz', (req, res) => res.send('ok'))",
      'app.listen(process.env.PORT || 3000)'
    ].join('\n')
  },
  requirements: {
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
  pyproject: {
    'pyproject.toml': [
      '[project]',
      'name = "inventory"',
      'dependencies = ["fastapi>=0.100", "uvicorn[standard]", "PyYAML"]'
    ].join('\n'),
    'main.py': 'from fastapi import FastAPI\napp = FastAPI()\n'
  },
  elixir: {
    'mix.exs': [
      'defmodule Chat.MixProject do',
      '  def project, do: [app: :chat, version: "0.1.0", deps: deps()]',
      '  defp deps, do: [{:phoenix, "~> 1.7"}, {:ecto_sql, "~> 3.10"}, {:postgrex, ">= 0.0.0"}]',
      'end'
    ].join('\n')
  },
  go: {
    'go.mod':
      'module github.com/acme/ledger\n\ngo 1.22\n\nrequire (\n\tgithub.com/jackc/pgx/v5 v5.5.0\n)\n',
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

"""A tiny notes service: stores rows in the embedded PostgreSQL and reads
them back. Standard library plus psycopg from Debian (python3-psycopg)."""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

# DATABASE_URL reaches the database over its Unix socket with peer
# authentication: no password anywhere.
DATABASE_URL = os.environ["DATABASE_URL"]


def connect():
    return psycopg.connect(DATABASE_URL, autocommit=True)


with connect() as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)")


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            with connect() as conn:
                conn.execute("SELECT 1")
            self.reply(200, {"status": "ok"})
        elif self.path == "/notes":
            with connect() as conn:
                rows = conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
            self.reply(200, [{"id": row[0], "body": row[1]} for row in rows])
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/notes":
            self.reply(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        with connect() as conn:
            row = conn.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id", (body,)).fetchone()
        self.reply(201, {"id": row[0], "body": body})

    def log_message(self, format, *args):
        pass


def stop(signum, frame):
    print("notes: stopping on SIGTERM", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"notes: listening on {port}", flush=True)
    server.serve_forever()

"""A status page for the embedded PostgreSQL: whether it accepts connections
from outside and how they authenticate, read from the server itself (the
app reaches it over the Unix socket, whatever the external setting)."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

DATABASE_URL = os.environ["DATABASE_URL"]


def access():
    with psycopg.connect(DATABASE_URL) as conn:
        listen = conn.execute("SELECT setting FROM pg_settings WHERE name = 'listen_addresses'").fetchone()[0]
    return {"listen_addresses": listen, "external": listen != ""}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            status, payload = 200, {"status": "ok", **access()}
        else:
            status, payload = 404, {"error": "not found"}
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()

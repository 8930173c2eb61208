"""Authly, reduced to its core: an OAuth 2.0 authorization server for the
client-credentials grant (RFC 6749 4.4) with token introspection (RFC 7662).
Standard library plus psycopg, pinned in requirements.txt and installed by
pip in the image's build. Its schema comes from sql/schema.sql, run once at
first boot by the image; its signing key lives on the /data volume."""
import base64
import hashlib
import hmac
import json
import os
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import psycopg

DATABASE_URL = os.environ["DATABASE_URL"]
ISSUER = os.environ.get("AUTHLY_ISSUER", "http://localhost:8000")
TOKEN_SECONDS = int(os.environ.get("AUTHLY_ACCESS_LIFETIME", "3600"))
# /data/app is the app's own place on the data volume.
KEY_FILE = "/data/app/signing-key"


def signing_key():
    """Made at first start, kept on the volume: tokens survive a restart."""
    try:
        with open(KEY_FILE, "rb") as f:
            return f.read()
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


KEY = signing_key()


def connect():
    return psycopg.connect(DATABASE_URL, autocommit=True)


def secret_hash(secret, salt):
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), 100_000).hex()


def token_hash(token):
    return hmac.new(KEY, token.encode(), hashlib.sha256).hexdigest()


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, payload, headers=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def form(self):
        length = int(self.headers.get("Content-Length", "0"))
        fields = parse_qs(self.rfile.read(length).decode())
        return {name: values[0] for name, values in fields.items()}

    def client_credentials(self, form):
        """client_secret_basic, or client_secret_post."""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            return client_id, secret
        return form.get("client_id", ""), form.get("client_secret", "")

    def authenticate(self, conn, client_id, secret):
        row = conn.execute(
            "SELECT secret_salt, secret_hash, scopes FROM clients WHERE client_id = %s", (client_id,)
        ).fetchone()
        if row and hmac.compare_digest(secret_hash(secret, row[0]), row[1]):
            return row[2]
        return None

    def do_GET(self):
        if self.path == "/health":
            with connect() as conn:
                version = conn.execute("SELECT value FROM settings WHERE key = 'schema_version'").fetchone()
            self.reply(200, {"status": "ok", "schema": version[0]})
        elif self.path == "/.well-known/oauth-authorization-server":
            self.reply(200, {
                "issuer": ISSUER,
                "token_endpoint": f"{ISSUER}/oauth/token",
                "introspection_endpoint": f"{ISSUER}/oauth/introspect",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            })
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        if self.path == "/clients":
            # Registration is open in this example; a real deployment guards it.
            form = self.form()
            client_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(24), secrets.token_hex(16)
            with connect() as conn:
                conn.execute(
                    "INSERT INTO clients (client_id, secret_salt, secret_hash, scopes) VALUES (%s, %s, %s, %s)",
                    (client_id, salt, secret_hash(secret, salt), form.get("scope", "")),
                )
            self.reply(201, {"client_id": client_id, "client_secret": secret})
        elif self.path == "/oauth/token":
            form = self.form()
            if form.get("grant_type") != "client_credentials":
                self.reply(400, {"error": "unsupported_grant_type"})
                return
            client_id, secret = self.client_credentials(form)
            with connect() as conn:
                scopes = self.authenticate(conn, client_id, secret)
                if scopes is None:
                    self.reply(401, {"error": "invalid_client"}, [("WWW-Authenticate", "Basic")])
                    return
                token = secrets.token_urlsafe(32)
                conn.execute(
                    "INSERT INTO tokens (token_hash, client_id, scopes, expires_at)"
                    " VALUES (%s, %s, %s, now() + make_interval(secs => %s))",
                    (token_hash(token), client_id, scopes, TOKEN_SECONDS),
                )
            self.reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS, "scope": scopes})
        elif self.path == "/oauth/introspect":
            form = self.form()
            with connect() as conn:
                row = conn.execute(
                    "SELECT client_id, scopes, extract(epoch FROM expires_at)::bigint FROM tokens"
                    " WHERE token_hash = %s AND expires_at > now()",
                    (token_hash(form.get("token", "")),),
                ).fetchone()
            if row is None:
                self.reply(200, {"active": False})
            else:
                self.reply(200, {"active": True, "client_id": row[0], "scope": row[1], "exp": row[2], "iss": ISSUER})
        else:
            self.reply(404, {"error": "not_found"})

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()

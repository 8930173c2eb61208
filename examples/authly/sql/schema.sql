-- Authly's schema: run once at first boot by the image, as the app's role,
-- in one transaction with the rest of first boot's SQL.
CREATE TABLE clients (
  client_id text PRIMARY KEY,
  -- salt and PBKDF2-SHA256 hash of the client secret, hex
  secret_salt text NOT NULL,
  secret_hash text NOT NULL,
  scopes text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tokens (
  token_hash text PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients ON DELETE CASCADE,
  scopes text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

INSERT INTO settings (key, value) VALUES ('schema_version', '1');

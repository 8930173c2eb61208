-- Run once at first boot as the app's role. The vector extension is created
-- before this, by the superuser, from postgres-extensions.
CREATE TABLE memories (
  id bigserial PRIMARY KEY,
  content text NOT NULL,
  embedding vector(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memories_embedding ON memories USING hnsw (embedding vector_l2_ops);

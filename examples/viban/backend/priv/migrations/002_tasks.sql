CREATE TABLE tasks (
  id bigserial PRIMARY KEY,
  board_id bigint NOT NULL REFERENCES boards ON DELETE CASCADE,
  title text NOT NULL,
  status text NOT NULL DEFAULT 'todo'
);
-- Electric SQL syncs these tables through a publication.
CREATE PUBLICATION viban_sync FOR TABLE boards, tasks;

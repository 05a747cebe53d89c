-- Teams are edited (renamed, moved in the tree) with optimistic concurrency like every other record.
ALTER TABLE teams ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- The ancestors of a team, read when the tree is shown and rewritten when a subtree moves.
CREATE INDEX team_closure_descendant ON team_closure(descendant_id);

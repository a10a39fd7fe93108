-- The safe way to do the same kind of change: one step per migration, since Flyway runs
-- each migration in a transaction of its own (and one whose statements must all run
-- outside a transaction, outside any).
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;

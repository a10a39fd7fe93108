-- The safe way to do the same kind of change.
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
-- locksmith:ignore dropping-column: the application stopped reading it in release 41
ALTER TABLE users DROP COLUMN created_at;
CREATE INDEX CONCURRENTLY users_nickname_idx ON users (nickname);

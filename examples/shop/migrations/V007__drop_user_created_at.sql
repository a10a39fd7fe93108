SET lock_timeout = '2s';
-- locksmith:ignore dropping-column: the application stopped reading it in release 41
ALTER TABLE users DROP COLUMN created_at;

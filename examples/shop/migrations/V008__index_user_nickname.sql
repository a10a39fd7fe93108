-- Alone in its migration: Flyway runs it outside a transaction, as CONCURRENTLY needs.
CREATE INDEX CONCURRENTLY users_nickname_idx ON users (nickname);

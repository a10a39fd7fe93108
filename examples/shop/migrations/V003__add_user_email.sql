-- The risky one: every statement here locks the hot users table.
ALTER TABLE users ADD COLUMN email text NOT NULL;
CREATE UNIQUE INDEX users_email_idx ON users (email);
ALTER TABLE users ALTER COLUMN name TYPE varchar(200);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);

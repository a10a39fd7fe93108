-- In a transaction of its own: reads and writes on orders go on during the scan.
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;

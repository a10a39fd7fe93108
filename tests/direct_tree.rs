//! src/parse/direct.rs reads libpg_query's C parse tree straight into pg_query's Rust tree,
//! with conversions that build/direct.rs generates from libpg_query's sources. The tree
//! must be the one libpg_query's protobuf output decodes to, node for node: this compares
//! the two on every fixture, example and rule document, and on statements chosen to reach
//! the node types migrations rarely use.

#[path = "support/sql_texts.rs"]
mod sql_texts;

/// Statements that reach node types the fixtures may not: queries, expressions, JSON and
/// XML functions, utility statements, bit strings, NULLs and bitmaps of every kind.
const VARIED: &str = r#"
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SEARCH DEPTH FIRST BY n SET ord CYCLE n SET is_cycle USING path SELECT * FROM t;
SELECT a, count(*) FILTER (WHERE b > 0) OVER w, rank() OVER (PARTITION BY c ORDER BY d DESC NULLS LAST ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s.t AS x (a, b) TABLESAMPLE SYSTEM (10) REPEATABLE (1) GROUP BY GROUPING SETS ((a), CUBE (b, c), ROLLUP (d)) HAVING sum(a) > 1 WINDOW w AS (ORDER BY a) ORDER BY 1 LIMIT 10 OFFSET 2 FOR UPDATE OF x SKIP LOCKED;
SELECT DISTINCT ON (a) a, b::numeric(10, 2), c COLLATE "C", d IS DISTINCT FROM e, f BETWEEN SYMMETRIC 1 AND 2, g IN (1, 2), h LIKE 'x%' ESCAPE '!', i SIMILAR TO 'a', j IS NOT NULL, k IS TRUE, NOT l, m AND n OR o, (ARRAY[1, 2])[1:2], (p).q, ROW(1, 2), CASE WHEN r THEN 1 ELSE 2 END, COALESCE(s, 1), GREATEST(1, 2), NULLIF(1, 2), CURRENT_DATE, CURRENT_USER, B'1010', X'ff', 1.5e10, TRUE, NULL, $1, 'a' || 'b', EXISTS (SELECT 1), x = ANY (SELECT 1), y < ALL (ARRAY[1]), z OPERATOR(pg_catalog.+) 1, interval '1 day' hour to second FROM u;
SELECT * FROM a NATURAL JOIN b LEFT JOIN c USING (id) AS j RIGHT JOIN LATERAL (SELECT 1) d ON true FULL JOIN e ON a.x = e.x CROSS JOIN ROWS FROM (generate_series(1, 2), unnest('{1}'::int[])) WITH ORDINALITY AS f(x, y, z);
SELECT json_object('a' VALUE 1 ABSENT ON NULL RETURNING jsonb), json_array(1, 2 RETURNING json), json_arrayagg(a ORDER BY a), json_objectagg(k : v WITH UNIQUE KEYS), JSON_EXISTS(j, '$.a' ERROR ON ERROR), JSON_VALUE(j, '$.a' RETURNING int DEFAULT 0 ON EMPTY), JSON_QUERY(j, '$.a' WITH WRAPPER KEEP QUOTES), j IS JSON OBJECT WITH UNIQUE KEYS, JSON('{}'), JSON_SCALAR(1), JSON_SERIALIZE(j) FROM t;
SELECT * FROM JSON_TABLE(j, '$[*]' AS p PASSING 1 AS x COLUMNS (id FOR ORDINALITY, a int PATH '$.a', b text FORMAT JSON PATH '$.b', NESTED PATH '$.c[*]' COLUMNS (c int PATH '$'), d int EXISTS PATH '$.d') ERROR ON ERROR) AS jt;
SELECT xmlelement(name foo, xmlattributes('x' AS bar), 'content'), xmlforest(a, b), xmlparse(document '<a/>'), xmlserialize(content x AS text INDENT), xmlexists('//a' PASSING BY REF x), xmlpi(name php, 'x'), xmlroot(x, version '1.0', standalone yes), x IS DOCUMENT FROM XMLTABLE(XMLNAMESPACES('http://x' AS n), '/a' PASSING x COLUMNS id int PATH '@id', t text DEFAULT 'n' NOT NULL);
INSERT INTO t (a, b) OVERRIDING SYSTEM VALUE VALUES (1, DEFAULT), (2, 3) ON CONFLICT (a) WHERE b > 0 DO UPDATE SET b = EXCLUDED.b, (c, d) = (SELECT 1, 2) WHERE t.a > 0 RETURNING WITH (OLD AS o, NEW AS n) *;
INSERT INTO t SELECT * FROM u ON CONFLICT ON CONSTRAINT c DO NOTHING;
UPDATE ONLY t SET a = a + 1 FROM u WHERE t.id = u.id RETURNING a; UPDATE t SET a = 1 WHERE CURRENT OF cur;
DELETE FROM t USING u WHERE t.id = u.id RETURNING *;
MERGE INTO t USING u ON t.id = u.id WHEN MATCHED AND u.x THEN UPDATE SET a = u.a WHEN NOT MATCHED BY SOURCE THEN DELETE WHEN NOT MATCHED THEN INSERT (id) VALUES (u.id) RETURNING merge_action(), t.*;
CREATE TABLE IF NOT EXISTS s.t (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2) PRIMARY KEY, a text COLLATE "C" NOT NULL DEFAULT 'x' CHECK (a <> '') NO INHERIT, b int REFERENCES u (id) ON DELETE SET NULL (b) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED, c tsvector GENERATED ALWAYS AS (to_tsvector(a)) STORED, d int[] COMPRESSION pglz, e varchar(10) STORAGE EXTERNAL, EXCLUDE USING gist (c WITH &&) WHERE (id > 0), UNIQUE NULLS NOT DISTINCT (a) INCLUDE (b) WITH (fillfactor = 70) USING INDEX TABLESPACE x, FOREIGN KEY (b, a) REFERENCES u MATCH FULL, LIKE v INCLUDING ALL EXCLUDING COMMENTS) PARTITION BY RANGE (id) WITH (autovacuum_enabled = false) TABLESPACE ts;
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (MINVALUE) TO (10); CREATE TABLE p2 PARTITION OF p FOR VALUES IN (1, 2); CREATE TABLE p3 PARTITION OF p FOR VALUES WITH (MODULUS 4, REMAINDER 1); CREATE TABLE p4 PARTITION OF p DEFAULT;
CREATE UNLOGGED TABLE u AS SELECT 1 WITH NO DATA; CREATE TEMP TABLE tt (a int) ON COMMIT DROP; CREATE FOREIGN TABLE f (a int OPTIONS (column_name 'x')) SERVER s OPTIONS (table_name 't');
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY s.t USING btree (lower(a) DESC NULLS FIRST, b text_pattern_ops, c COLLATE "C") INCLUDE (d) NULLS NOT DISTINCT WITH (deduplicate_items = off) WHERE a IS NOT NULL;
ALTER TABLE IF EXISTS ONLY t ADD COLUMN IF NOT EXISTS a int, DROP COLUMN b CASCADE, ALTER COLUMN c TYPE bigint USING c::bigint, ALTER COLUMN d SET DEFAULT 1, ALTER d DROP NOT NULL, ALTER e SET STATISTICS 100, ALTER f SET (n_distinct = 10), ALTER g ADD GENERATED BY DEFAULT AS IDENTITY, ALTER h SET EXPRESSION AS (a + 1), ADD CONSTRAINT c CHECK (a > 0) NOT VALID, VALIDATE CONSTRAINT c, DROP CONSTRAINT IF EXISTS d RESTRICT, ALTER CONSTRAINT e DEFERRABLE, ENABLE ALWAYS TRIGGER t, DISABLE RULE r, SET LOGGED, SET ACCESS METHOD heap, SET WITHOUT OIDS, CLUSTER ON i, REPLICA IDENTITY FULL, ENABLE ROW LEVEL SECURITY, OWNER TO CURRENT_ROLE, INHERIT p, OF ty, SET TABLESPACE ts, RESET (fillfactor);
ALTER TABLE p ATTACH PARTITION p5 FOR VALUES FROM (1) TO (2); ALTER TABLE p DETACH PARTITION p5 CONCURRENTLY;
ALTER INDEX i RENAME TO j; ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t SET SCHEMA s; ALTER SEQUENCE q RESTART WITH 5 OWNED BY t.a; ALTER TYPE e ADD VALUE IF NOT EXISTS 'x' BEFORE 'y'; ALTER TYPE e RENAME VALUE 'a' TO 'b'; ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);
CREATE SEQUENCE IF NOT EXISTS q AS int INCREMENT 2 MINVALUE 1 NO MAXVALUE CACHE 10 CYCLE; CREATE TYPE e AS ENUM ('a', 'b'); CREATE TYPE r AS RANGE (subtype = int); CREATE TYPE c AS (a int, b text); CREATE DOMAIN d AS int DEFAULT 0 CHECK (VALUE >= 0);
CREATE OR REPLACE VIEW v (a) WITH (security_barrier) AS SELECT 1 WITH LOCAL CHECK OPTION; CREATE MATERIALIZED VIEW m AS SELECT 1 WITH DATA; REFRESH MATERIALIZED VIEW CONCURRENTLY m; CREATE RECURSIVE VIEW rv (n) AS SELECT 1;
CREATE OR REPLACE FUNCTION f(a int DEFAULT 1, OUT b text, VARIADIC c int[]) RETURNS SETOF record LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL SAFE COST 10 ROWS 5 SET search_path = public AS $$ BEGIN RETURN; END $$;
CREATE FUNCTION g() RETURNS int BEGIN ATOMIC SELECT 1; END; CREATE PROCEDURE pr(INOUT a int) LANGUAGE sql AS 'SELECT 1'; CALL pr(1); DO LANGUAGE plpgsql $$ BEGIN NULL; END $$;
CREATE TRIGGER tr BEFORE UPDATE OF a ON t REFERENCING NEW TABLE AS n FOR EACH ROW WHEN (OLD.a IS DISTINCT FROM NEW.a) EXECUTE FUNCTION f(); CREATE EVENT TRIGGER et ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE PROCEDURE g();
CREATE POLICY p ON t AS RESTRICTIVE FOR SELECT TO PUBLIC USING (a = current_user) WITH CHECK (true); CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING; CREATE STATISTICS st (dependencies) ON a, b FROM t;
GRANT SELECT (a), UPDATE ON ALL TABLES IN SCHEMA s TO r WITH GRANT OPTION GRANTED BY CURRENT_USER; REVOKE GRANT OPTION FOR ALL ON t FROM r CASCADE; ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r; GRANT r TO u WITH ADMIN OPTION;
CREATE ROLE r WITH LOGIN PASSWORD 'x' VALID UNTIL 'infinity' IN ROLE a; ALTER ROLE r SET work_mem = '1MB'; CREATE USER MAPPING FOR r SERVER s OPTIONS (user 'x'); CREATE SERVER s VERSION '1' FOREIGN DATA WRAPPER w; ALTER SERVER s VERSION '2';
CREATE SCHEMA s AUTHORIZATION r CREATE TABLE x (a int) CREATE VIEW y AS SELECT 1; CREATE EXTENSION IF NOT EXISTS e WITH SCHEMA s VERSION '1' CASCADE; ALTER EXTENSION e UPDATE TO '2'; COMMENT ON COLUMN t.a IS 'x'; SECURITY LABEL FOR p ON TABLE t IS 'x';
CREATE PUBLICATION pub FOR TABLE t (a) WHERE (a > 0), TABLES IN SCHEMA s WITH (publish = 'insert'); CREATE SUBSCRIPTION sub CONNECTION 'x' PUBLICATION pub; CREATE COLLATION c (provider = icu, locale = 'und'); CREATE CAST (a AS b) WITH FUNCTION f(a);
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = f); CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 <, FUNCTION 1 f(int, int); CREATE AGGREGATE ag (int) (SFUNC = f, STYPE = int); CREATE CONVERSION cv FOR 'LATIN1' TO 'UTF8' FROM f;
CREATE ACCESS METHOD am TYPE TABLE HANDLER h; CREATE TEXT SEARCH CONFIGURATION tc (PARSER = p); ALTER TEXT SEARCH CONFIGURATION tc ADD MAPPING FOR word WITH simple; CREATE TRANSFORM FOR int LANGUAGE l (FROM SQL WITH FUNCTION f(internal)); CREATE LANGUAGE l HANDLER h;
DROP TABLE IF EXISTS a, b CASCADE; DROP INDEX CONCURRENTLY i; DROP FUNCTION f(int); DROP OWNED BY r; REASSIGN OWNED BY a TO b; DROP DATABASE IF EXISTS d WITH (FORCE); TRUNCATE ONLY t, u RESTART IDENTITY CASCADE;
BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE; SAVEPOINT s; RELEASE SAVEPOINT s; ROLLBACK TO SAVEPOINT s; COMMIT AND CHAIN; PREPARE TRANSACTION 'x'; COMMIT PREPARED 'x'; START TRANSACTION; ABORT;
SET LOCAL lock_timeout = '1s'; SET search_path TO a, b; RESET ALL; SHOW work_mem; SET TIME ZONE LOCAL; SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED; SET CONSTRAINTS ALL DEFERRED; SET ROLE r; DISCARD ALL;
LOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT; VACUUM (FULL, ANALYZE, PARALLEL 2) t (a); ANALYZE VERBOSE t; CLUSTER t USING i; REINDEX (CONCURRENTLY) TABLE t; CHECKPOINT; LISTEN c; NOTIFY c, 'x'; UNLISTEN *; LOAD 'x';
COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NULL (a)) WHERE a > 0; COPY (SELECT 1) TO '/tmp/x' (FORMAT binary); EXPLAIN (ANALYZE, BUFFERS, FORMAT json) SELECT 1; PREPARE pq (int) AS SELECT $1; EXECUTE pq (1); DEALLOCATE ALL;
DECLARE cur SCROLL CURSOR WITH HOLD FOR SELECT 1; FETCH FORWARD 5 FROM cur; MOVE LAST IN cur; CLOSE cur; CREATE TABLESPACE ts LOCATION '/x'; ALTER DATABASE d SET x = 1; ALTER SYSTEM SET x = 1; IMPORT FOREIGN SCHEMA s LIMIT TO (t) FROM SERVER v INTO l;
SELECT 1 UNION SELECT 2 INTERSECT ALL SELECT 3 EXCEPT SELECT 4; VALUES (1, 'a'), (2, 'b'); TABLE t; SELECT * INTO TEMP x FROM t; SELECT a[1], b[1:], c.d.e, f(VARIADIC ARRAY[1]), g(x => 1), h(a ORDER BY b), percentile_cont(0.5) WITHIN GROUP (ORDER BY a), trim(both 'x' from y), substring(z from 1 for 2), overlay(a placing b from 1), position('a' in b), extract(year from now()), cast(a as int), treat(a as int), a AT TIME ZONE 'UTC', collation for (a), normalize(a, NFC), current_timestamp(3), localtime, system_user, b'101'::bit varying(5) FROM t;
"#;

/// Panics where the two trees of a text differ, or where one path parses a text the other
/// refuses; returns how many texts and statements it compared.
fn compare(texts: &[(String, String)]) -> (usize, usize) {
    let (mut compared, mut statements) = (0, 0);
    for (name, sql) in texts {
        let direct = locksmith::parse::tree_read_directly(sql)
            .expect("build/direct.rs generated no conversion (see the build's warnings)");
        match (direct, locksmith::parse::tree_through_protobuf(sql)) {
            (Ok(direct), Ok(protobuf)) => {
                for (i, (a, b)) in direct.stmts.iter().zip(&protobuf.stmts).enumerate() {
                    assert!(
                        a == b,
                        "{name}: statement {i} differs:\n{a:#?}\nagainst\n{b:#?}"
                    );
                }
                assert_eq!(direct, protobuf, "{name}");
                compared += 1;
                statements += direct.stmts.len();
            }
            (Err(_), Err(_)) => {}
            (direct, protobuf) => panic!(
                "{name}: read directly {:?}, through protobuf {:?}",
                direct.err(),
                protobuf.err()
            ),
        }
    }
    (compared, statements)
}

#[test]
fn every_fixture_reads_the_same_as_through_protobuf() {
    let mut texts = sql_texts::sql_texts();
    for (i, statement) in VARIED.split(";\n").enumerate() {
        texts.push((format!("VARIED line {i}"), statement.to_string()));
    }
    texts.push(("VARIED".into(), VARIED.into()));
    let (compared, statements) = compare(&texts);
    assert!(
        compared > 300 && statements > 800,
        "{compared} texts, {statements} statements"
    );
}

/// Each statement of VARIED parses: a typo there would leave its node types unchecked.
#[test]
fn the_varied_statements_all_parse() {
    let refused: Vec<String> = VARIED
        .split(";\n")
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| {
            Some(format!(
                "{}: {s}",
                locksmith::parse::tree_through_protobuf(s).err()?
            ))
        })
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
}

/// The same comparison on every `.sql` file under `DIRECT_TREE_DIR`, by hand:
/// `DIRECT_TREE_DIR=DIR cargo test --release --test direct_tree -- --ignored --nocapture`.
#[test]
#[ignore]
fn compare_a_directory() {
    let dir = std::env::var("DIRECT_TREE_DIR").expect("DIRECT_TREE_DIR names a directory");
    let texts = sql_texts::sql_texts_under(std::path::Path::new(&dir));
    let (compared, statements) = compare(&texts);
    eprintln!(
        "{} files: {compared} compared, {statements} statements",
        texts.len()
    );
}

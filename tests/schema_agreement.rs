//! The schema model agrees with a real PostgreSQL: each bundled project's migrations run
//! on a throwaway server (as `locksmith sql` prints them), the server's catalog is read
//! back (pg_catalog) and compared with `locksmith schema --format json`: tables, columns,
//! types, nullability, defaults, identity, indexes, constraints and enum values. Then the
//! DDL `locksmith schema` prints runs on an empty database, which must end up with the
//! same catalog as the migrated one. Skipped only without server binaries, never under CI.

#[path = "support/pg.rs"]
mod pg;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use pg::Cluster;
use serde_json::Value;

fn locksmith(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("locksmith runs");
    assert!(
        out.status.success(),
        "locksmith {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

const USER_SCHEMAS: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";

/// The catalog as lines, one per object, from the server.
fn introspect(cluster: &Cluster, db: &str, raw_defaults: bool) -> BTreeSet<String> {
    let queries = [
        format!(
            "SELECT 'table ' || n.nspname || '.' || c.relname || CASE c.relkind::text WHEN 'p' THEN ' partitioned' ELSE '' END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version' AND {USER_SCHEMAS}"
        ),
        format!(
            "SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ': ' || format_type(a.atttypid, a.atttypmod) \
             || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END \
             || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') \
             || CASE a.attidentity::text WHEN 'a' THEN ' identity ALWAYS' WHEN 'd' THEN ' identity BY DEFAULT' ELSE '' END \
             || CASE a.attgenerated::text WHEN 's' THEN ' generated' ELSE '' END \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> 'alembic_version' AND {USER_SCHEMAS}"
        ),
        format!(
            "SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || con.conname || ' ' || con.contype::text \
             || CASE WHEN con.contype = 'c' THEN '' ELSE ' (' || coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.i) \
                FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), '') || ')' END \
             || CASE WHEN con.contype = 'f' THEN ' -> ' || rn.nspname || '.' || rc.relname ELSE '' END \
             || CASE WHEN con.convalidated THEN '' ELSE ' not valid' END \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_class rc ON rc.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
             WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relname <> 'alembic_version' AND {USER_SCHEMAS}"
        ),
        format!(
            "SELECT 'index ' || n.nspname || '.' || ic.relname || ' on ' || tc.relname || CASE WHEN i.indisunique THEN ' unique' ELSE '' END \
             || ' ' || am.amname || ' (' || (SELECT string_agg(CASE WHEN k.attnum = 0 THEN 'expr' ELSE a.attname END, ',' ORDER BY k.i) \
                FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, i) LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                WHERE k.i <= i.indnkeyatts) || ')' \
             || CASE WHEN i.indpred IS NULL THEN '' ELSE ' partial' END || CASE WHEN i.indisvalid THEN '' ELSE ' invalid' END \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = ic.relnamespace JOIN pg_am am ON am.oid = ic.relam \
             WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')) \
             AND tc.relname <> 'alembic_version' AND {USER_SCHEMAS}"
        ),
        format!(
            "SELECT 'enum ' || n.nspname || '.' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) \
             FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE {USER_SCHEMAS} GROUP BY n.nspname, t.typname"
        ),
        format!(
            "SELECT 'sequence ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'S' AND {USER_SCHEMAS} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')"
        ),
        format!(
            "SELECT 'view ' || n.nspname || '.' || c.relname || CASE c.relkind::text WHEN 'm' THEN ' materialized' ELSE '' END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMAS}"
        ),
    ];
    let mut lines = BTreeSet::new();
    for query in queries {
        let out = cluster
            .query(db, &query)
            .unwrap_or_else(|e| panic!("{db}: {e}\n{query}"));
        for line in out.lines().filter(|l| !l.is_empty()) {
            lines.insert(if raw_defaults {
                line.to_string()
            } else {
                normalize_default_in(line)
            });
        }
    }
    lines
}

/// Defaults are compared without casts, quotes and parentheses: the server prints
/// `'pending'::order_status` where the model keeps the SQL as written, `'pending'`.
fn normalize_default(expr: &str) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(i) = rest.find("::") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || " _.\"()[],".contains(c)))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out.chars()
        .filter(|c| !matches!(c, '\'' | '(' | ')' | ' '))
        .collect::<String>()
        .to_lowercase()
}

fn normalize_default_in(line: &str) -> String {
    match line.split_once(" default ") {
        Some((head, tail)) => {
            let (expr, identity) = match tail.find(" identity ") {
                Some(i) => (&tail[..i], &tail[i..]),
                None => (tail, ""),
            };
            format!("{head} default {}{identity}", normalize_default(expr))
        }
        None => line.to_string(),
    }
}

fn qualified(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("public.{name}")
    }
}

/// The same lines from `locksmith schema --format json`.
fn model_lines(json: &Value) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    let unquote = |s: &str| s.trim_matches('"').to_string();
    for (name, table) in json["tables"].as_object().unwrap() {
        let name = qualified(name);
        let partitioned = if table["partition_by"].is_null() {
            ""
        } else {
            " partitioned"
        };
        lines.insert(format!("table {name}{partitioned}"));
        for c in table["columns"].as_array().unwrap() {
            let mut line = format!(
                "column {name}.{}: {}",
                c["name"].as_str().unwrap(),
                c["ty"].as_str().unwrap()
            );
            if c["not_null"].as_bool().unwrap() {
                line.push_str(" not null");
            }
            if let Some(default) = c["default"].as_str() {
                line.push_str(&format!(" default {}", normalize_default(default)));
            }
            if let Some(expr) = c["generated"].as_str() {
                line.push_str(&format!(" default {}", normalize_default(expr)));
            }
            if let Some(kind) = c["identity"].as_str() {
                line.push_str(&format!(" identity {kind}"));
            }
            if c["generated"].is_string() {
                line.push_str(" generated");
            }
            lines.insert(line);
        }
        for k in table["constraints"].as_array().unwrap() {
            let kind = match k["kind"].as_str().unwrap() {
                "primary_key" => "p",
                "unique" => "u",
                "foreign_key" => "f",
                "check" => "c",
                _ => "x",
            };
            let mut line = format!("constraint {name}.{} {kind}", k["name"].as_str().unwrap());
            if kind != "c" {
                let columns: Vec<&str> = k["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                line.push_str(&format!(" ({})", columns.join(",")));
            }
            if let Some(target) = k["references"].as_array() {
                line.push_str(&format!(
                    " -> {}.{}",
                    target[0].as_str().unwrap(),
                    target[1].as_str().unwrap()
                ));
            }
            if !k["validated"].as_bool().unwrap() {
                line.push_str(" not valid");
            }
            lines.insert(line);
        }
    }
    for (name, index) in json["indexes"].as_object().unwrap() {
        let keys: Vec<String> = index["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let k = k.as_str().unwrap();
                if k.starts_with('(') {
                    "expr".to_string()
                } else {
                    unquote(k.split(' ').next().unwrap())
                }
            })
            .collect();
        lines.insert(format!(
            "index {} on {}{} {} ({}){}{}",
            qualified(name),
            index["table"][1].as_str().unwrap(),
            if index["unique"].as_bool().unwrap() {
                " unique"
            } else {
                ""
            },
            index["method"].as_str().unwrap(),
            keys.join(","),
            if index["predicate"].is_null() {
                ""
            } else {
                " partial"
            },
            if index["valid"].as_bool().unwrap() {
                ""
            } else {
                " invalid"
            },
        ));
    }
    for (name, values) in json["enums"].as_object().unwrap() {
        let values: Vec<&str> = values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        lines.insert(format!("enum {} {}", qualified(name), values.join(",")));
    }
    for name in json["sequences"].as_object().unwrap().keys() {
        lines.insert(format!("sequence {}", qualified(name)));
    }
    for (name, view) in json["views"].as_object().unwrap() {
        let m = if view["materialized"].as_bool().unwrap() {
            " materialized"
        } else {
            ""
        };
        lines.insert(format!("view {}{m}", qualified(name)));
    }
    lines
}

fn difference(a: &BTreeSet<String>, b: &BTreeSet<String>, a_name: &str, b_name: &str) -> String {
    let only_a: Vec<_> = a
        .difference(b)
        .map(|l| format!("  only in {a_name}: {l}"))
        .collect();
    let only_b: Vec<_> = b
        .difference(a)
        .map(|l| format!("  only in {b_name}: {l}"))
        .collect();
    [only_a, only_b].concat().join("\n")
}

#[test]
fn the_model_agrees_with_postgresql() {
    let Some(cluster) = Cluster::start_or_skip("the schema model was NOT compared with a server")
    else {
        return;
    };
    let projects = [
        ("shop", "examples/shop/migrations"),
        ("alembic", "tests/alembic/example"),
        ("flyway", "tests/fixtures/sql_dirs/flyway"),
        ("golang", "tests/fixtures/sql_dirs/golang_migrate"),
        ("dbmate", "tests/fixtures/sql_dirs/dbmate"),
        ("goose", "tests/fixtures/sql_dirs/goose"),
        ("sql_migrate", "tests/fixtures/sql_dirs/sql_migrate"),
        ("sqitch", "tests/fixtures/sql_dirs/sqitch"),
        ("search_path", "tests/fixtures/search_path"),
    ];
    let mut summary = Vec::new();
    for (db, path) in projects {
        let migrated = format!("{db}_migrated");
        let rebuilt = format!("{db}_from_ddl");
        for name in [&migrated, &rebuilt] {
            cluster
                .query("postgres", &format!("CREATE DATABASE {name}"))
                .expect("create database");
        }
        let run = |name: &str, sql: &str| {
            let out = cluster.psql(name, "locksmith_test", "", sql, Duration::from_secs(60));
            assert!(out.success, "{name}: {}\n{sql}", out.stderr);
        };
        run(&migrated, &locksmith(&["sql", path]));
        let server = introspect(&cluster, &migrated, false);
        let model = model_lines(
            &serde_json::from_str(&locksmith(&["schema", "--format", "json", path])).unwrap(),
        );
        assert!(
            server == model,
            "{path}: the model differs from the server:\n{}",
            difference(&server, &model, "server", "model")
        );
        // The DDL rebuilds the same catalog, defaults as the server prints them included.
        run(&rebuilt, &locksmith(&["schema", path]));
        let migrated_raw = introspect(&cluster, &migrated, true);
        let rebuilt_raw = introspect(&cluster, &rebuilt, true);
        assert!(
            migrated_raw == rebuilt_raw,
            "{path}: `locksmith schema` DDL builds another schema:\n{}",
            difference(&migrated_raw, &rebuilt_raw, "migrated", "rebuilt from DDL")
        );
        summary.push(format!("{path}: {} objects agree", server.len()));
    }
    let proof =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/schema-agreement.txt");
    std::fs::create_dir_all(proof.parent().unwrap()).expect("create target/");
    let text = format!(
        "schema agreement with PostgreSQL: {} projects; {}\n",
        summary.len(),
        summary.join("; ")
    );
    std::fs::write(&proof, text).expect("write the proof");
}

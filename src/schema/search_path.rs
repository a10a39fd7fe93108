//! Where an unqualified name lives: `SET search_path` in a migration moves the objects it
//! creates and the ones it finds out of `public`. PostgreSQL creates an object in the
//! first schema of the path, and finds one in the first schema of the path that holds
//! it (the `search_path` setting, "Client Connection Defaults", and "The Schema Search
//! Path" in the manual's chapter on schemas).
//!
//! The setting is the session's. Sqitch runs each change in a psql of its own; Flyway,
//! golang-migrate or Alembic keep one connection for a run, but a migration deployed in a
//! later run than the one before it starts from the server's setting. So a path lasts
//! until the end of the migration that set it ([`Catalog::end_session`]): what a
//! migration can rely on in every deploy.

use std::sync::Arc;

use pg_query::protobuf::{RangeVar, TypeName, VariableSetKind, VariableSetStmt};
use pg_query::{Node, NodeEnum};

use super::keys::strings;
use super::{Catalog, Key, Name};

/// The schemas of `SET search_path`, in order; none set is PostgreSQL's default
/// (`"$user", public`, where `$user` is a schema named after the user running the
/// migration, which migrations seldom have). Session state, not schema: two catalogs
/// with different paths and the same objects are the same schema.
#[derive(Debug, Clone, Default)]
pub struct SearchPath(Option<Arc<[String]>>);

impl PartialEq for SearchPath {
    fn eq(&self, _: &SearchPath) -> bool {
        true
    }
}

impl SearchPath {
    /// The schema objects are created in; `None` when the path names none (the
    /// statement fails in PostgreSQL, and the model keeps the name in `public`).
    fn first(&self) -> Option<&str> {
        match &self.0 {
            None => Some("public"),
            Some(path) => path.first().map(String::as_str),
        }
    }

    fn schemas(&self) -> &[String] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl Catalog {
    /// `SET search_path`, `SET search_path TO DEFAULT`, `RESET search_path`, `RESET ALL`;
    /// other settings change nothing. `SET LOCAL` is taken as a plain SET: migrations set
    /// it for the rest of the migration's transaction, which is the rest of the migration.
    pub(super) fn set(&mut self, stmt: &VariableSetStmt) {
        let kind = stmt.kind;
        if kind == VariableSetKind::VarResetAll as i32 {
            self.search_path = SearchPath::default();
            return;
        }
        if stmt.name != "search_path" {
            return;
        }
        self.search_path = if kind == VariableSetKind::VarSetValue as i32 {
            let schemas: Vec<String> = (stmt.args.iter())
                .filter_map(setting_word)
                // `$user`'s schema is the migration user's, which the model cannot know:
                // PostgreSQL skips it when no such schema exists, as is usual.
                .filter(|schema| schema != "$user")
                .collect();
            SearchPath(Some(schemas.into()))
        } else {
            // DEFAULT, RESET, FROM CURRENT: the server's setting, taken as the default.
            SearchPath::default()
        };
    }

    /// The end of a migration: the search path it set ends with its session.
    pub fn end_session(&mut self) {
        self.search_path = SearchPath::default();
    }

    /// The key of a relation a statement names and expects to exist: in its schema when
    /// qualified, else in the first schema of the search path that holds an object of
    /// that name (or the path's first schema, when none does).
    pub fn rel_key(&self, rv: &RangeVar) -> Key {
        self.found(&rv.schemaname, &rv.relname)
    }

    /// The key of a relation a statement creates: in its schema when qualified, else in
    /// the first schema of the search path.
    pub fn new_rel_key(&self, rv: &RangeVar) -> Key {
        match rv.schemaname.as_str() {
            "" => (self.creation_schema(), rv.relname.as_str().into()),
            schema => (schema.into(), rv.relname.as_str().into()),
        }
    }

    /// `["s", "t"]` (a qualified name as a list of String nodes) as the key of an object
    /// expected to exist ([`Catalog::rel_key`]).
    pub fn list_key(&self, names: &[Node]) -> Option<Key> {
        let parts: Vec<String> = strings(names);
        match parts.as_slice() {
            [name] => Some(self.found("", name)),
            [.., schema, name] => Some((schema.into(), name.into())),
            [] => None,
        }
    }

    /// [`Catalog::list_key`] for an object the statement creates (a type).
    pub fn new_list_key(&self, names: &[Node]) -> Option<Key> {
        let parts: Vec<String> = strings(names);
        match parts.as_slice() {
            [name] => Some((self.creation_schema(), name.into())),
            [.., schema, name] => Some((schema.into(), name.into())),
            [] => None,
        }
    }

    /// The key of `name` in `schema`, or when `schema` is empty, as an unqualified name is
    /// found.
    pub fn found(&self, schema: &str, name: &str) -> Key {
        if !schema.is_empty() {
            return (schema.into(), name.into());
        }
        let held = |schema: &String| {
            let key: Key = (schema.into(), name.into());
            self.tables.contains_key(&key)
                || self.views.contains_key(&key)
                || self.sequences.contains_key(&key)
                || self.indexes.contains_key(&key)
                || self.enums.contains_key(&key)
        };
        match self.search_path.schemas().iter().find(|s| held(s)) {
            Some(schema) => (schema.into(), name.into()),
            None => (self.creation_schema(), name.into()),
        }
    }

    /// The schema of a column's type, when it is not `public` (or PostgreSQL's own):
    /// written in the name, or the first schema of the search path with an enum of that
    /// name.
    pub fn type_schema(&self, type_name: &TypeName) -> Option<String> {
        // Read in place: every column of every migration passes here.
        fn word(node: &Node) -> Option<&str> {
            match &node.node {
                Some(NodeEnum::String(s)) => Some(&s.sval),
                _ => None,
            }
        }
        let schema = match type_name.names.as_slice() {
            [] => return None,
            [name] => {
                let name = word(name)?;
                let holds = |schema: &&String| {
                    (self.enums).contains_key(&(schema.as_str().into(), name.into()))
                };
                self.search_path.schemas().iter().find(holds)?.as_str()
            }
            [.., schema, _] => word(schema)?,
        };
        (schema != "public" && schema != "pg_catalog").then(|| schema.to_string())
    }

    fn creation_schema(&self) -> Name {
        self.search_path.first().unwrap_or("public").into()
    }
}

/// A word of a SET's value list: `registry`, `'registry'`, `"$user"`.
fn setting_word(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pg_query::protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(schema: &str, name: &str) -> Key {
        (schema.into(), name.into())
    }

    /// Replays `sql` as one migration, without ending its session.
    fn replayed(catalog: &mut Catalog, sql: &str) {
        for statement in crate::parse::parse_sql(sql).statements {
            catalog.apply(&statement.node);
        }
    }

    #[test]
    fn an_unqualified_name_is_created_in_the_first_schema_of_the_path() {
        let mut c = Catalog::default();
        replayed(
            &mut c,
            "CREATE SCHEMA app; SET search_path TO \"$user\", app, public; \
             CREATE TABLE users (id serial PRIMARY KEY); CREATE TYPE mood AS ENUM ('a'); \
             CREATE VIEW v AS SELECT 1; CREATE SEQUENCE s; CREATE INDEX users_id ON users (id);",
        );
        assert!(c.tables.contains_key(&key("app", "users")), "{c:#?}");
        assert!(c.enums.contains_key(&key("app", "mood")));
        assert!(c.views.contains_key(&key("app", "v")));
        assert!(c.sequences.contains_key(&key("app", "s")));
        assert!(c.sequences.contains_key(&key("app", "users_id_seq")));
        assert!(c.indexes.contains_key(&key("app", "users_id")));
        assert!(!c.tables.contains_key(&key("public", "users")));
    }

    #[test]
    fn an_unqualified_name_is_found_in_the_first_schema_of_the_path_that_holds_it() {
        let mut c = Catalog::default();
        c.apply_sql("CREATE TABLE audit (id int); CREATE TABLE app.users (id int);");
        replayed(
            &mut c,
            "SET search_path = app, public; ALTER TABLE users ADD COLUMN email text; \
             ALTER TABLE audit ADD COLUMN at timestamptz; DROP TABLE IF EXISTS missing;",
        );
        let columns = |k: Key| {
            c.tables[&k]
                .columns
                .iter()
                .map(|c| c.name.to_string())
                .collect()
        };
        let names: Vec<String> = columns(key("app", "users"));
        assert_eq!(names, ["id", "email"]);
        let names: Vec<String> = columns(key("public", "audit"));
        assert_eq!(names, ["id", "at"]);
        // Found nowhere: where it would be created.
        assert_eq!(c.found("", "missing"), key("app", "missing"));
        assert_eq!(c.found("other", "users"), key("other", "users"));
    }

    #[test]
    fn the_path_lasts_until_reset_or_the_end_of_the_migration() {
        let mut c = Catalog::default();
        replayed(
            &mut c,
            "SET search_path TO app; RESET search_path; CREATE TABLE a (id int);",
        );
        replayed(
            &mut c,
            "SET LOCAL search_path TO app; RESET ALL; CREATE TABLE b (id int);",
        );
        replayed(
            &mut c,
            "SET search_path TO app; SET search_path TO DEFAULT; CREATE TABLE c (id int);",
        );
        // Other settings leave it be.
        replayed(
            &mut c,
            "SET search_path TO app; SET lock_timeout = '1s'; CREATE TABLE d (id int);",
        );
        c.end_session();
        replayed(&mut c, "CREATE TABLE e (id int);");
        c.apply_sql("SET search_path TO app; CREATE TABLE f (id int);");
        c.apply_sql("CREATE TABLE g (id int);");
        let mut tables: Vec<&Key> = c.tables.keys().collect();
        tables.sort();
        let want = [
            key("app", "d"),
            key("app", "f"),
            key("public", "a"),
            key("public", "b"),
            key("public", "c"),
            key("public", "e"),
            key("public", "g"),
        ];
        assert_eq!(tables, want.iter().collect::<Vec<_>>());
    }

    #[test]
    fn a_column_of_a_type_of_another_schema_keeps_the_schema() {
        let mut c = Catalog::default();
        replayed(
            &mut c,
            "CREATE TYPE mood AS ENUM ('a'); CREATE TYPE app.mood AS ENUM ('b'); \
             SET search_path TO app, public; \
             CREATE TABLE t (found mood, written app.mood[], public_one public.mood, n text); \
             ALTER TYPE public.mood RENAME TO feeling;",
        );
        let t = &c.tables[&key("app", "t")];
        let types: Vec<String> = t.columns.iter().map(|c| c.type_sql()).collect();
        assert_eq!(types, ["app.mood", "app.mood[]", "feeling", "text"]);
    }

    #[test]
    fn the_path_is_session_state_not_schema() {
        let mut a = Catalog::default();
        a.apply(&crate::parse::parse_sql("SET search_path TO app").statements[0].node);
        assert_eq!(a, Catalog::default());
    }
}

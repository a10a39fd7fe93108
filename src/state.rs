//! The state of a file so far: what its earlier statements established, threaded through
//! the file in order (transaction state, `lock_timeout` and `statement_timeout`, objects created so far, column
//! types and validated NOT NULL checks). Rules read it; only the engine advances it.

use pg_query::NodeEnum;
use pg_query::protobuf::{TransactionStmtKind, VariableSetKind};

use crate::facts::types::ColumnType;
use crate::facts::{Facts, Form, History, Relation, RelationLock};
use crate::schema::{Catalog, FastMap, FastSet, Key};

/// A column as the source declares it before a statement runs.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownColumn {
    pub table: Relation,
    pub column: String,
    pub ty: Option<ColumnType>,
    /// Declared NOT NULL.
    pub not_null: bool,
}

#[derive(Debug, Clone)]
pub struct FileState {
    /// Target PostgreSQL major version.
    pub version: u32,
    pub in_transaction: bool,
    /// The statement is one a PL/pgSQL `DO` block runs (always inside a transaction).
    pub in_do_block: bool,
    /// A transaction still open at the end of the file is committed by what runs after it:
    /// the runner that opened it (`assume_in_transaction`, Alembic), or the rest of the
    /// script the file is a piece of (Alembic's offline SQL).
    pub runner_commits: bool,
    /// The transaction the migration tool runs the file in, when a convention of the
    /// file's tool says: its way out (`-- +goose NO TRANSACTION`), and whether it refuses
    /// the file as it is (Flyway).
    pub runner: Option<crate::convention::RunnerTransaction>,
    /// Transaction blocks entered so far (an assumed one counts): the current block's
    /// number is this minus one.
    pub transactions_started: usize,
    /// The open transaction is the implicit one of a query string of several statements
    /// (the runner's `one_query`): a BEGIN takes it over rather than nesting in it.
    pub implicit_block: bool,
    /// A non-zero `lock_timeout` is in force.
    pub lock_timeout_set: bool,
    /// A non-zero `statement_timeout` is in force.
    pub statement_timeout_set: bool,
    statement_timeout_is_local: bool,
    /// Statements so far that requested a write-blocking lock on an existing table
    /// with no statement_timeout in force.
    pub statements_without_statement_timeout: usize,
    /// Where session settings that run before the file were looked for (Alembic's
    /// env.py), for messages about a setting that is missing.
    pub session_settings_from: Option<String>,
    lock_timeout_is_local: bool,
    /// Statements so far that requested a write-blocking lock on an existing table
    /// with no lock_timeout in force.
    pub unguarded_blocking_statements: usize,
    created_relations: FastSet<Key>,
    /// Indexes created in this migration on tables the catalog does not know → their
    /// table ([`FileState::index_table`]).
    index_tables: FastMap<Key, Relation>,
    /// Tables created in this migration and filled with rows by it (`CREATE TABLE AS`,
    /// `SELECT INTO`, `INSERT ... SELECT`): validating a constraint on them scans rows.
    filled_relations: FastSet<Key>,
    /// Column types declared so far where the catalog does not hold them (or holds them
    /// otherwise), by table: one entry a table rather than one a column, whose key would
    /// copy the table's name for each of its columns.
    column_types: FastMap<Key, Vec<(String, ColumnType)>>,
    /// Validated checks that prove a column NOT NULL: table → (constraint name, column).
    not_null_checks: FastMap<Key, Vec<(Option<String>, String)>>,
    /// NOT VALID checks by (table, constraint name) → the column they prove NOT NULL.
    pending_not_null_checks: FastMap<(Key, String), String>,
    /// Columns the source declared NOT NULL (Alembic's `existing_nullable=False`) and no
    /// statement since made nullable, dropped or renamed.
    declared_not_null: FastSet<(Key, String)>,
    /// Foreign keys declared so far by (table, constraint name) → the referenced table.
    foreign_keys: FastMap<(Key, String), Relation>,
    /// The schema as earlier migrations (replayed before this file) and this file's
    /// earlier statements left it: what the catalog knows about types and constraints.
    /// It says nothing about "new": a table from an earlier migration is an existing one.
    pub catalog: Catalog,
}

impl FileState {
    pub fn new(version: u32, assume_in_transaction: bool) -> FileState {
        FileState {
            version,
            in_transaction: assume_in_transaction,
            in_do_block: false,
            runner_commits: assume_in_transaction,
            runner: None,
            transactions_started: usize::from(assume_in_transaction),
            implicit_block: false,
            lock_timeout_set: false,
            statement_timeout_set: false,
            statement_timeout_is_local: false,
            statements_without_statement_timeout: 0,
            session_settings_from: None,
            lock_timeout_is_local: false,
            unguarded_blocking_statements: 0,
            created_relations: FastSet::default(),
            index_tables: FastMap::default(),
            filled_relations: FastSet::default(),
            column_types: FastMap::default(),
            not_null_checks: FastMap::default(),
            pending_not_null_checks: FastMap::default(),
            declared_not_null: FastSet::default(),
            foreign_keys: FastMap::default(),
            catalog: Catalog::default(),
        }
    }

    /// Starts from the schema earlier migrations built.
    pub fn with_catalog(mut self, catalog: Catalog) -> FileState {
        self.catalog = catalog;
        self
    }

    /// True when the table (or index) was created earlier in this migration.
    pub fn is_new(&self, relation: &Relation) -> bool {
        self.created_relations.contains(&relation.key())
    }

    /// True when the table was created earlier in this migration and filled with rows by
    /// it (`CREATE TABLE AS`, `SELECT INTO`, `INSERT ... SELECT`).
    pub fn is_new_and_filled(&self, relation: &Relation) -> bool {
        self.filled_relations.contains(&relation.key())
    }

    /// The table of an index this file created on a table the catalog does not know, else
    /// of one the catalog holds (of earlier migrations, or of this file).
    pub fn index_table(&self, index: &Relation) -> Option<Relation> {
        (self.index_tables.get(&index.key()).cloned())
            .or_else(|| self.catalog.index_table_name(index))
    }

    /// The column's type: as this file (or its source) declares it, else as the catalog
    /// of earlier migrations has it.
    pub fn column_type(&self, table: &Relation, column: &str) -> Option<ColumnType> {
        let declared = self.column_types.get(&table.key());
        (declared.and_then(|columns| columns.iter().find(|(c, _)| c == column)))
            .map(|(_, ty)| ty.clone())
            .or_else(|| self.catalog.column_type(table, column))
    }

    pub fn has_validated_not_null_check(&self, table: &Relation, column: &str) -> bool {
        self.not_null_checks
            .get(&table.key())
            .is_some_and(|checks| checks.iter().any(|(_, c)| c == column))
            || self.catalog.has_validated_not_null_check(table, column)
    }

    /// Takes what the source says about a column before the statement (Alembic's
    /// `existing_type`, `existing_nullable`) as known.
    pub fn declare_column(&mut self, known: &KnownColumn) {
        if let Some(ty) = &known.ty {
            self.declare_column_type(known.table.key(), &known.column, ty.clone());
        }
        if known.not_null {
            self.declared_not_null
                .insert((known.table.key(), known.column.clone()));
        }
    }

    fn declare_column_type(&mut self, table: Key, column: &str, ty: ColumnType) {
        let columns = self.column_types.entry(table).or_default();
        match columns.iter_mut().find(|(c, _)| c == column) {
            Some((_, declared)) => *declared = ty,
            None => columns.push((column.to_string(), ty)),
        }
    }

    /// A column the statement just created or retyped: declared only where the catalog,
    /// which applied the statement first, does not say the same (a huge file's tables
    /// held twice made a tenth of its memory). A dropped table's columns are then no
    /// longer known, as in the database.
    fn declare_changed_column(&mut self, table: &Relation, column: &str, ty: &ColumnType) {
        let ty = stored_type(ty);
        let agrees = self.catalog.column(table, column).map(|c| &c.ty) == Some(&*ty);
        self.declare_unless_agreed(table.key(), column, &ty, agrees);
    }

    /// [`Self::declare_changed_column`] for every column a CREATE TABLE declares, with
    /// the table looked up once and each column looked for first just after the one
    /// before (the catalog lists them in the statement's order): searching from the start
    /// for each compared a wide table's columns pairwise.
    fn declare_created_columns(&mut self, table: &Relation, stmt: &pg_query::protobuf::CreateStmt) {
        let known = self.catalog.table(table).map_or(&[][..], |t| &t.columns);
        let key = table.key();
        // Looked up once, not per column: most tables have nothing declared.
        let declared = self.column_types.get(&key);
        let mut next = 0;
        let mut changed: Vec<(&str, ColumnType)> = Vec::new();
        for element in &stmt.table_elts {
            if let Some(NodeEnum::ColumnDef(col)) = &element.node
                && let Some(t) = &col.type_name
            {
                let ty = into_stored(ColumnType::from_type_name(t));
                let name = col.colname.as_str();
                let at = match known.get(next) {
                    Some(c) if c.name == name => Some(next),
                    _ => known.iter().position(|c| c.name == name),
                };
                next = at.map_or(next, |at| at + 1);
                let agrees = at.is_some_and(|at| known[at].ty == ty);
                // As [`Self::declare_unless_agreed`], a column named twice included.
                let declared = declared
                    .is_some_and(|columns| columns.iter().any(|(c, _)| c == name))
                    || changed.iter().any(|(c, _)| *c == name);
                if declared || !agrees {
                    changed.push((name, ty));
                }
            }
        }
        for (column, ty) in changed {
            self.declare_column_type(key.clone(), column, ty);
        }
    }

    /// Declares a column's type unless the catalog `agrees` with it and nothing was
    /// declared of the column before.
    fn declare_unless_agreed(&mut self, table: Key, column: &str, ty: &ColumnType, agrees: bool) {
        let declared = (self.column_types.get(&table))
            .is_some_and(|columns| columns.iter().any(|(c, _)| c == column));
        if declared || !agrees {
            self.declare_column_type(table, column, ty.clone());
        }
    }

    /// Every lock the statement requests on a relation that existed before this migration
    /// (not created earlier in the file, nor by the statement itself), strongest per relation.
    pub fn locks_on_existing(&self, facts: &Facts) -> Vec<RelationLock> {
        let created = |relation: &Relation| {
            (facts.actions.iter()).any(|a| {
                a.form.creates_target() && a.relation.as_ref().is_some_and(|r| r.same(relation))
            })
        };
        let mut locks = facts.locks();
        locks.retain(|l| !self.is_new(&l.relation) && !created(&l.relation));
        // Kept with the statement's report until its file is done.
        locks.shrink_to_fit();
        locks
    }

    /// The strongest lock that blocks writes which the statement requests on a table
    /// that existed before this migration.
    pub fn blocking_lock_on_existing(&self, facts: &Facts) -> Option<RelationLock> {
        strongest_blocking(&self.locks_on_existing(facts))
    }

    /// Advances past a statement.
    pub fn record(&mut self, node: &NodeEnum, facts: &Facts) {
        let blocks_existing = self.blocking_lock_on_existing(facts).is_some();
        self.record_knowing(node, facts, blocks_existing);
    }

    /// Before a top-level statement of a file its runner sends as one query string: after
    /// a COMMIT in the string, the next statement opens another implicit transaction.
    pub fn enter(&mut self, node: &NodeEnum) {
        let one_query = self.runner.is_some_and(|r| r.one_query);
        if one_query && !self.in_transaction && !matches!(node, NodeEnum::TransactionStmt(_)) {
            self.in_transaction = true;
            self.implicit_block = true;
            self.transactions_started += 1;
        }
    }

    /// [`record`](Self::record) for a caller that worked out already whether the statement
    /// takes a write-blocking lock on an existing table ([`Self::blocking_lock_on_existing`]).
    pub fn record_knowing(&mut self, node: &NodeEnum, facts: &Facts, blocks_existing: bool) {
        self.catalog.apply(node);
        if blocks_existing {
            if !self.lock_timeout_set {
                self.unguarded_blocking_statements += 1;
            }
            if !self.statement_timeout_set {
                self.statements_without_statement_timeout += 1;
            }
        }
        match node {
            NodeEnum::TransactionStmt(stmt) => match TransactionStmtKind::try_from(stmt.kind) {
                Ok(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart) => {
                    if !self.in_transaction {
                        self.transactions_started += 1;
                    }
                    self.in_transaction = true;
                    // An implicit transaction becomes this explicit one (the same block).
                    self.implicit_block = false;
                }
                Ok(
                    TransactionStmtKind::TransStmtCommit
                    | TransactionStmtKind::TransStmtRollback
                    | TransactionStmtKind::TransStmtPrepare,
                ) => {
                    self.in_transaction = false;
                    self.implicit_block = false;
                    if self.lock_timeout_is_local {
                        self.lock_timeout_set = false;
                        self.lock_timeout_is_local = false;
                    }
                    if self.statement_timeout_is_local {
                        self.statement_timeout_set = false;
                        self.statement_timeout_is_local = false;
                    }
                }
                _ => {}
            },
            NodeEnum::VariableSetStmt(stmt) => {
                let reset_all = stmt.kind == VariableSetKind::VarResetAll as i32;
                let set = stmt.kind == VariableSetKind::VarSetValue as i32 && !is_zero(&stmt.args);
                // SET LOCAL lasts until the end of the transaction; outside one it does nothing.
                let in_force = set && (!stmt.is_local || self.in_transaction);
                let local = set && stmt.is_local;
                if reset_all || stmt.name == "lock_timeout" {
                    self.lock_timeout_set = in_force;
                    self.lock_timeout_is_local = local;
                }
                if reset_all || stmt.name == "statement_timeout" {
                    self.statement_timeout_set = in_force;
                    self.statement_timeout_is_local = local;
                }
            }
            NodeEnum::CreateStmt(stmt) => {
                if let Some(rv) = &stmt.relation {
                    let table = Relation::new(Some(&rv.schemaname), &rv.relname);
                    self.declare_created_columns(&table, stmt);
                }
            }
            NodeEnum::InsertStmt(stmt) if stmt.select_stmt.as_deref().is_some_and(is_query) => {
                if let Some(rv) = &stmt.relation {
                    let table = Relation::new(Some(&rv.schemaname), &rv.relname).key();
                    if self.created_relations.contains(&table) {
                        self.filled_relations.insert(table);
                    }
                }
            }
            NodeEnum::IndexStmt(stmt) if !stmt.idxname.is_empty() => {
                let schema = stmt.relation.as_ref().map(|r| r.schemaname.as_str());
                let index = Relation::new(schema, &stmt.idxname);
                let key = index.key();
                self.created_relations.insert(key.clone());
                if let Some(table) = &stmt.relation {
                    let table = Relation::new(Some(&table.schemaname), &table.relname);
                    // The catalog knows an index on a table it knows, as it is named now:
                    // kept here are the others (a 50 MiB file's catalog holds 85,000).
                    match self.catalog.index_table_name(&index) == Some(table.clone()) {
                        true => self.index_tables.remove(&key),
                        false => self.index_tables.insert(key, table),
                    };
                }
            }
            _ => {}
        }
        for action in &facts.actions {
            self.record_action(action);
        }
        if let NodeEnum::CreateTableAsStmt(stmt) = node {
            // `WITH NO DATA` creates it empty.
            if let Some(into) = stmt.into.as_ref().filter(|i| i.skip_data)
                && let Some(rv) = &into.rel
            {
                let table = Relation::new(Some(&rv.schemaname), &rv.relname);
                self.filled_relations.remove(&table.key());
            }
        }
    }

    /// What a declaration said no longer holds once a statement makes the column
    /// nullable, drops or renames it or its table.
    fn forget_declared_not_null(&mut self, action: &crate::facts::Action) {
        let Some(table) = &action.relation else {
            return;
        };
        let key = table.key();
        match (action.form, &action.column) {
            (Form::DropNotNull | Form::DropColumn | Form::RenameColumn, Some(column)) => {
                self.declared_not_null.remove(&(key, column.clone()));
            }
            (Form::DropTable | Form::RenameTable, _) => {
                self.declared_not_null.retain(|(t, _)| *t != key);
            }
            _ => {}
        }
    }

    fn record_action(&mut self, action: &crate::facts::Action) {
        let Some(table) = &action.relation else {
            return;
        };
        let key = table.key();
        if !self.declared_not_null.is_empty() {
            self.forget_declared_not_null(action);
        }
        match action.form {
            form if form.creates_target() => {
                if form == Form::CreateTableAs {
                    self.filled_relations.insert(key.clone());
                }
                self.created_relations.insert(key);
            }
            Form::RenameTable if self.created_relations.contains(&key) => {
                if let Some(new_name) = action.detail().and_then(|d| d.strip_prefix("new name ")) {
                    self.created_relations.insert((key.0, new_name.into()));
                }
            }
            Form::AddColumn
            | Form::AddColumnDefault
            | Form::AddColumnVolatileDefault
            | Form::AddColumnNotNull
            | Form::AddColumnGenerated
            | Form::AddColumnIdentity
            | Form::AlterColumnType
            | Form::AlterColumnTypeCoercible => {
                if let (Some(column), Some(ty)) = (&action.column, &action.column_type) {
                    self.declare_changed_column(table, column, ty);
                }
            }
            Form::AddForeignKey | Form::AddForeignKeyNotValid => {
                if let (Some(name), Some(other)) = (action.constraint(), &action.other) {
                    self.foreign_keys
                        .insert((key, name.to_string()), other.clone());
                }
            }
            Form::AddCheck => {
                if let Some(column) = action.proves_not_null() {
                    let name = action.constraint().map(str::to_string);
                    (self.not_null_checks.entry(key).or_default()).push((name, column.to_string()));
                }
            }
            Form::DropConstraint => {
                if let (Some(checks), Some(name)) =
                    (self.not_null_checks.get_mut(&key), action.constraint())
                {
                    checks.retain(|(check, _)| check.as_deref() != Some(name));
                }
            }
            Form::AddCheckNotValid => {
                if let (Some(column), Some(name)) = (action.proves_not_null(), action.constraint())
                {
                    self.pending_not_null_checks
                        .insert((key, name.to_string()), column.to_string());
                }
            }
            Form::ValidateConstraint => {
                if let Some(name) = action.constraint()
                    && let Some(column) = self
                        .pending_not_null_checks
                        .remove(&(key.clone(), name.to_string()))
                {
                    self.not_null_checks
                        .entry(key)
                        .or_default()
                        .push((Some(name.to_string()), column));
                }
            }
            _ => {}
        }
    }
}

impl History for FileState {
    fn version(&self) -> u32 {
        self.version
    }
    fn column_type(&self, table: &Relation, column: &str) -> Option<ColumnType> {
        FileState::column_type(self, table, column)
    }
    fn has_validated_not_null_check(&self, table: &Relation, column: &str) -> bool {
        FileState::has_validated_not_null_check(self, table, column)
    }
    fn column_is_not_null(&self, table: &Relation, column: &str) -> bool {
        let declared = || (table.key(), column.to_string());
        (!self.declared_not_null.is_empty() && self.declared_not_null.contains(&declared()))
            || (self.catalog.column(table, column)).is_some_and(|column| column.not_null)
    }
    fn foreign_key_target(&self, table: &Relation, constraint: &str) -> Option<Relation> {
        self.foreign_keys
            .get(&(table.key(), constraint.to_string()))
            .cloned()
            .or_else(|| self.catalog.foreign_key_target(table, constraint))
    }
    fn index_table(&self, index: &Relation) -> Option<Relation> {
        FileState::index_table(self, index)
    }
}

/// The source of `INSERT ... SELECT` (not `VALUES`, whose few rows a validation checks in
/// no time).
fn is_query(node: &pg_query::Node) -> bool {
    matches!(&node.node, Some(NodeEnum::SelectStmt(s)) if s.values_lists.is_empty())
}

/// The strongest lock among `locks` that blocks writes; of equally strong ones the first
/// (the table the statement names).
pub fn strongest_blocking(locks: &[RelationLock]) -> Option<RelationLock> {
    locks
        .iter()
        .filter(|l| l.mode.blocks_writes())
        .min_by_key(|l| std::cmp::Reverse(l.mode))
        .cloned()
}

/// `SET lock_timeout = 0` (or '0', '0s') disables the timeout.
fn is_zero(args: &[pg_query::Node]) -> bool {
    use pg_query::protobuf::a_const::Val;
    args.iter().all(|arg| match &arg.node {
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(Val::Ival(i)) => i.ival == 0,
            Some(Val::Sval(s)) => s
                .sval
                .trim()
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .trim()
                .parse::<f64>()
                .is_ok_and(|n| n == 0.0),
            Some(Val::Fval(f)) => f.fval.parse::<f64>().is_ok_and(|n| n == 0.0),
            _ => false,
        },
        _ => false,
    })
}

/// The type a column holds: a serial column its integer type, as in the catalog (a
/// foreign key to a `bigserial` column is to an `int8`).
fn stored_type(ty: &ColumnType) -> std::borrow::Cow<'_, ColumnType> {
    match ty.serial_integer() {
        Some(_) => std::borrow::Cow::Owned(into_stored(ty.clone())),
        None => std::borrow::Cow::Borrowed(ty),
    }
}

/// [`stored_type`] of a type the caller owns: no copy of it.
fn into_stored(mut ty: ColumnType) -> ColumnType {
    if let Some(integer) = ty.serial_integer() {
        ty.name = integer.into();
    }
    ty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{LockMode, analyze};

    /// VALIDATE of a foreign key added by an earlier migration still locks the table it
    /// references: the constraint is found in the catalog those migrations built.
    #[test]
    fn a_foreign_key_added_earlier_names_its_referenced_table() {
        let mut catalog = crate::schema::Catalog::default();
        catalog.apply_sql(
            "CREATE TABLE users (id int PRIMARY KEY);\n\
             CREATE TABLE orders (id int, user_id int);\n\
             ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) \
             REFERENCES users (id) NOT VALID;",
        );
        let state = FileState::new(15, false).with_catalog(catalog);
        let sql = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk";
        let statement = &crate::parse::parse_sql(sql).statements[0];
        let locks = analyze(&statement.node, &state).locks();
        let on_users = locks
            .iter()
            .find(|l| l.relation == Relation::new(None, "users"));
        assert_eq!(
            on_users.map(|l| l.mode),
            Some(LockMode::RowShareLock),
            "{locks:?}"
        );
    }

    /// The same with the tables in a schema of the search path, set by both migrations:
    /// the file finds the earlier migration's tables where PostgreSQL finds them.
    #[test]
    fn tables_of_the_search_path_are_found_in_the_catalog() {
        let mut catalog = crate::schema::Catalog::default();
        catalog.apply_sql(
            "SET search_path TO app;\n\
             CREATE TABLE users (id int PRIMARY KEY);\n\
             CREATE TABLE orders (id int, user_id int, note varchar(20));\n\
             ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) \
             REFERENCES users (id) NOT VALID;",
        );
        let (state, locks) = last_locks_after(
            catalog,
            "SET search_path TO app;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk",
        );
        let on_users = locks
            .iter()
            .find(|l| l.relation == Relation::new(Some("app"), "users"));
        assert_eq!(
            on_users.map(|l| l.mode),
            Some(LockMode::RowShareLock),
            "{locks:?}"
        );
        let note = state.column_type(&Relation::new(None, "orders"), "note");
        assert_eq!(note.map(|t| t.to_string()), Some("varchar(20)".to_string()));
    }

    /// DROP INDEX of an index an earlier migration created locks that index's table, and
    /// the facts name the table (not "the table of i"), in its schema if not public.
    #[test]
    fn an_index_created_earlier_names_its_table_when_dropped() {
        let mut catalog = crate::schema::Catalog::default();
        catalog.apply_sql(
            "CREATE TABLE users (id int, email text);\n\
             CREATE INDEX users_email_idx ON users (email);\n\
             CREATE SCHEMA app;\n\
             CREATE TABLE app.orders (id int, total int);\n\
             CREATE INDEX orders_total_idx ON app.orders (total);",
        );
        for (sql, table) in [
            ("DROP INDEX users_email_idx", Relation::new(None, "users")),
            (
                "DROP INDEX app.orders_total_idx",
                Relation::new(Some("app"), "orders"),
            ),
            (
                "DROP INDEX CONCURRENTLY users_email_idx",
                Relation::new(None, "users"),
            ),
        ] {
            let (_, locks) = last_locks_after(catalog.clone(), sql);
            assert!(
                locks.iter().any(|l| l.relation == table),
                "{sql}: {locks:?}"
            );
        }
        // An index the catalog does not know: its table stays unnamed.
        let (_, locks) = last_locks_after(catalog, "DROP INDEX unknown_idx");
        assert!(
            locks
                .iter()
                .all(|l| l.relation != Relation::new(None, "users")),
            "{locks:?}"
        );
    }

    /// The table of an index the file created: the catalog's, as it is named now, for a
    /// table the catalog knows; as the file wrote it for one it does not (or when the file
    /// names it otherwise).
    #[test]
    fn an_index_created_in_the_file_names_its_table() {
        let mut catalog = crate::schema::Catalog::default();
        catalog.apply_sql("CREATE TABLE users (id int, email text); CREATE TABLE teams (id int);");
        let (state, _) = last_locks_after(
            catalog,
            "CREATE INDEX users_email_idx ON users (email);\n\
             CREATE INDEX teams_id_idx ON public.teams (id);\n\
             CREATE INDEX events_at_idx ON events (at);\n\
             ALTER TABLE users RENAME TO accounts;\n\
             SELECT 1",
        );
        let table_of = |index: &str| state.index_table(&Relation::new(None, index));
        assert_eq!(
            table_of("users_email_idx"),
            Some(Relation::new(None, "accounts"))
        );
        let written = Relation::new(Some("public"), "teams");
        assert_eq!(table_of("teams_id_idx"), Some(written));
        assert_eq!(
            table_of("events_at_idx"),
            Some(Relation::new(None, "events"))
        );
        assert_eq!(table_of("unknown_idx"), None);
    }

    /// The state after walking `sql`, and the locks on existing relations of its last
    /// statement.
    fn last_locks(sql: &str) -> (FileState, Vec<RelationLock>) {
        last_locks_after(crate::schema::Catalog::default(), sql)
    }

    /// [`last_locks`] for a file run after earlier migrations built `catalog`.
    fn last_locks_after(
        catalog: crate::schema::Catalog,
        sql: &str,
    ) -> (FileState, Vec<RelationLock>) {
        let mut state = FileState::new(15, false).with_catalog(catalog);
        let statements = crate::parse::parse_sql(sql).statements;
        let (last, earlier) = statements.split_last().unwrap();
        for stmt in earlier {
            let facts = analyze(&stmt.node, &state);
            state.record(&stmt.node, &facts);
        }
        let facts = analyze(&last.node, &state);
        let locks = state.locks_on_existing(&facts);
        (state, locks)
    }

    #[test]
    fn column_types_follow_the_file_and_its_catalog() {
        let type_of = |sql: &str, table: &str, column: &str| {
            let (state, _) = last_locks(&format!("{sql}; SELECT 1"));
            let ty = state.column_type(&Relation::new(None, table), column);
            ty.map(|t| t.to_string())
        };
        let created = "CREATE TABLE t (a int, b varchar(20))";
        assert_eq!(type_of(created, "t", "b").as_deref(), Some("varchar(20)"));
        let retyped = format!("{created}; ALTER TABLE t ALTER COLUMN a TYPE bigint");
        assert_eq!(type_of(&retyped, "t", "a").as_deref(), Some("bigint"));
        // Declared by the file for a table the catalog does not know: kept.
        let added = "ALTER TABLE old ADD COLUMN c text";
        assert_eq!(type_of(added, "old", "c").as_deref(), Some("text"));
        // As in the database: a dropped table's columns are gone, and a new one's count.
        let dropped = format!("{retyped}; DROP TABLE t");
        assert_eq!(type_of(&dropped, "t", "a"), None);
        let again = format!("{dropped}; CREATE TABLE t (a smallint)");
        assert_eq!(type_of(&again, "t", "a").as_deref(), Some("smallint"));
    }

    #[test]
    fn a_column_declared_not_null_stays_so_until_a_statement_says_otherwise() {
        let not_null_after = |sql: &str, column: &str| {
            let mut state = FileState::new(15, false);
            state.declare_column(&KnownColumn {
                table: Relation::new(None, "t"),
                column: "c".into(),
                ty: None,
                not_null: true,
            });
            for stmt in crate::parse::parse_sql(sql).statements {
                let facts = analyze(&stmt.node, &state);
                state.record(&stmt.node, &facts);
            }
            state.column_is_not_null(&Relation::new(None, "t"), column)
        };
        assert!(not_null_after(
            "ALTER TABLE t ALTER COLUMN c TYPE bigint",
            "c"
        ));
        assert!(not_null_after(
            "ALTER TABLE t ALTER COLUMN d DROP NOT NULL",
            "c"
        ));
        for sql in [
            "ALTER TABLE t ALTER COLUMN c DROP NOT NULL",
            "ALTER TABLE t DROP COLUMN c",
            "ALTER TABLE t RENAME COLUMN c TO d",
            "DROP TABLE t",
            "ALTER TABLE t RENAME TO u",
        ] {
            assert!(!not_null_after(sql, "c"), "{sql}");
        }
        // A renamed column's declaration is forgotten, not carried over: a SET NOT NULL
        // on it is then reported as a scan, never missed.
        assert!(!not_null_after("ALTER TABLE t RENAME COLUMN c TO d", "d"));
    }

    #[test]
    fn select_into_creates_the_table() {
        let (state, _) = last_locks("SELECT id INTO totals FROM orders; SELECT 1");
        assert!(state.is_new(&Relation::new(None, "totals")));
        assert!(state.is_new_and_filled(&Relation::new(None, "totals")));
    }

    #[test]
    fn a_table_is_filled_by_insert_select_not_by_values_or_no_data() {
        let filled = |sql: &str| {
            last_locks(sql)
                .0
                .is_new_and_filled(&Relation::new(None, "n"))
        };
        assert!(filled(
            "CREATE TABLE n (id int); INSERT INTO n SELECT id FROM o; SELECT 1"
        ));
        assert!(!filled(
            "CREATE TABLE n (id int); INSERT INTO n VALUES (1); SELECT 1"
        ));
        assert!(!filled(
            "CREATE TABLE n AS SELECT * FROM o WITH NO DATA; SELECT 1"
        ));
        assert!(filled("CREATE TABLE n AS SELECT * FROM o; SELECT 1"));
        // An existing table is not "new and filled".
        assert!(!filled("INSERT INTO n SELECT id FROM o; SELECT 1"));
    }

    /// PostgreSQL docs (DROP INDEX): "A normal DROP INDEX acquires an ACCESS EXCLUSIVE lock
    /// on the table"; CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on it instead.
    #[test]
    fn dropping_an_index_created_earlier_locks_its_existing_table() {
        let (_, locks) = last_locks("CREATE INDEX i ON app.orders (a); DROP INDEX app.i");
        assert_eq!(
            locks,
            vec![RelationLock {
                relation: Relation::new(Some("app"), "orders"),
                mode: LockMode::AccessExclusiveLock
            }]
        );
        let (_, locks) = last_locks("CREATE INDEX i ON orders (a); DROP INDEX CONCURRENTLY i");
        assert_eq!(locks[0].mode, LockMode::ShareUpdateExclusiveLock);
        // On a table created in the file, nothing existing is locked.
        let (_, locks) =
            last_locks("CREATE TABLE t (a int); CREATE INDEX i ON t (a); DROP INDEX i");
        assert!(locks.is_empty(), "{locks:?}");
    }

    /// Every statement's facts and locks are kept until its file is done: none may hold
    /// room it does not use (a pushed vector has room for four).
    #[test]
    fn facts_and_locks_kept_per_statement_are_exact_sized() {
        let sql = "CREATE TABLE t (a int, b text);
            ALTER TABLE users ADD COLUMN c int, ALTER COLUMN d TYPE bigint, ADD CONSTRAINT k CHECK (c > 0);
            CREATE INDEX i ON users (c); DROP INDEX i; UPDATE users SET c = 1; SELECT 1";
        let mut state = FileState::new(15, false);
        for stmt in crate::parse::parse_sql(sql).statements {
            let facts = analyze(&stmt.node, &state);
            assert_eq!(facts.actions.capacity(), facts.actions.len(), "{facts:?}");
            let locks = state.locks_on_existing(&facts);
            assert_eq!(locks.capacity(), locks.len(), "{locks:?}");
            state.record(&stmt.node, &facts);
        }
    }
}

//! Which `ALTER COLUMN ... TYPE` changes PostgreSQL performs without rewriting the table:
//! the old type must be binary-coercible to the new one (pg_cast.castmethod = 'b') and
//! the new type modifier must not narrow it.
//! <https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES>

use std::cell::RefCell;
use std::collections::HashMap;

use pg_query::NodeEnum;
use pg_query::protobuf::TypeName;

/// A column type as written: base name (schema stripped, lowercased) and integer modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    pub name: crate::facts::Name,
    /// A boxed slice, not a vector: 8 bytes less puts a catalog's column (an `Arc` of
    /// it) in mimalloc's 128-byte size class, not the 160-byte one.
    pub modifiers: Box<[i64]>,
    pub array: bool,
}

impl ColumnType {
    /// A type written as SQL (`VARCHAR(200)`, `numeric(10, 2)`), read by PostgreSQL's parser.
    /// Remembered per thread: an Alembic project's `existing_type`s repeat a few types
    /// thousands of times, and a parse costs a round trip through libpg_query.
    pub fn parse(sql: &str) -> Option<ColumnType> {
        // Enough for any project's distinct types; past it, forgotten rather than grown.
        const REMEMBERED_AT_MOST: usize = 1024;
        thread_local! {
            static PARSED: RefCell<HashMap<String, Option<ColumnType>, ahash::RandomState>> =
                RefCell::default();
        }
        if let Some(known) = PARSED.with(|parsed| parsed.borrow().get(sql).cloned()) {
            return known;
        }
        let ty = Self::parse_uncached(sql);
        PARSED.with(|parsed| {
            let mut parsed = parsed.borrow_mut();
            if parsed.len() >= REMEMBERED_AT_MOST {
                parsed.clear();
            }
            parsed.insert(sql.to_string(), ty.clone());
        });
        ty
    }

    fn parse_uncached(sql: &str) -> Option<ColumnType> {
        let parsed = pg_query::parse(
            &format!("SELECT NULL::{sql}"),
            pg_query::ParserOptions::DEFAULT,
        )
        .ok()?;
        let tree = parsed
            .protobuf
            .stmts
            .first()?
            .stmt
            .as_ref()?
            .node
            .as_ref()?;
        let NodeEnum::SelectStmt(select) = tree else {
            return None;
        };
        let target = select.target_list.first()?.node.as_ref()?;
        let NodeEnum::ResTarget(target) = target else {
            return None;
        };
        match target.val.as_ref()?.node.as_ref()? {
            NodeEnum::TypeCast(cast) => Some(ColumnType::from_type_name(cast.type_name.as_ref()?)),
            _ => None,
        }
    }

    pub fn from_type_name(type_name: &TypeName) -> ColumnType {
        // Lowercased only when it is not already (the parser folds unquoted names): a
        // copy per name was 7 % of the allocations linting 3,200 files.
        let name = match last_name(type_name) {
            upper if upper.bytes().any(|b| b.is_ascii_uppercase()) => {
                std::borrow::Cow::Owned(upper.to_ascii_lowercase())
            }
            lower => std::borrow::Cow::Borrowed(lower),
        };
        // Sized first: collected from a filter, the modifiers were grown, then shrunk.
        let mut modifiers = Vec::with_capacity(type_name.typmods.len());
        modifiers.extend(type_name.typmods.iter().filter_map(|m| match &m.node {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(pg_query::protobuf::a_const::Val::Ival(i)) => Some(i64::from(i.ival)),
                _ => None,
            },
            _ => None,
        }));
        ColumnType {
            name: canonical(&name).into(),
            modifiers: modifiers.into_boxed_slice(),
            array: !type_name.array_bounds.is_empty(),
        }
    }

    pub fn is_serial(&self) -> bool {
        self.serial_integer().is_some()
    }

    /// The integer type a serial column is stored as (`bigserial` is `int8`); `None` for
    /// any other type.
    pub fn serial_integer(&self) -> Option<&'static str> {
        match self.name.as_str() {
            "serial" | "serial4" => Some("int4"),
            "bigserial" | "serial8" => Some("int8"),
            "smallserial" | "serial2" => Some("int2"),
            _ => None,
        }
    }
}

/// A type name's last part exactly as parsed, schema dropped (`int4` of
/// `pg_catalog.int4`, `bpchar` of `char(2)`); empty when it has none.
pub fn last_name(type_name: &TypeName) -> &str {
    let last = type_name.names.iter().rev().find_map(|n| match &n.node {
        Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
        _ => None,
    });
    last.unwrap_or_default()
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The spelling people write, not the catalog's internal name.
        let name = match self.name.as_str() {
            "int8" => "bigint",
            "int4" => "integer",
            "int2" => "smallint",
            "bpchar" => "char",
            "bool" => "boolean",
            "float8" => "double precision",
            "float4" => "real",
            other => other,
        };
        write!(f, "{name}")?;
        if !self.modifiers.is_empty() {
            let mods: Vec<String> = self.modifiers.iter().map(i64::to_string).collect();
            write!(f, "({})", mods.join(","))?;
        }
        if self.array {
            write!(f, "[]")?;
        }
        Ok(())
    }
}

fn canonical(name: &str) -> &str {
    match name {
        "character varying" => "varchar",
        "character" | "char" => "bpchar",
        "int" | "integer" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "decimal" => "numeric",
        "timestamp with time zone" => "timestamptz",
        "bit varying" => "varbit",
        other => other,
    }
}

/// Whether some other type can be changed to `new` without a rewrite, so that a change to
/// it is only certain to rewrite when the current type is known.
pub fn has_coercible_sources(new: &ColumnType) -> bool {
    !new.array
        && matches!(
            new.name.as_str(),
            "varchar"
                | "text"
                | "numeric"
                | "varbit"
                | "inet"
                | "timestamp"
                | "timestamptz"
                | "time"
                | "timetz"
                | "interval"
        )
}

/// Whether changing a column from `old` to `new` needs no rewrite.
pub fn is_binary_coercible(old: &ColumnType, new: &ColumnType) -> bool {
    if old == new {
        return true;
    }
    // Array element coercions are not relabelings: PostgreSQL rewrites.
    if old.array || new.array {
        return false;
    }
    let widens = |old_mods: &[i64], new_mods: &[i64]| match (old_mods, new_mods) {
        (_, []) => true,
        ([], [_, ..]) => false,
        ([o, ..], [n, ..]) => n >= o,
    };
    match (old.name.as_str(), new.name.as_str()) {
        ("varchar", "varchar") | ("varbit", "varbit") => widens(&old.modifiers, &new.modifiers),
        ("varchar", "text") | ("text", "text") | ("xml", "text") | ("cidr", "inet") => true,
        ("text", "varchar") => new.modifiers.is_empty(),
        ("numeric", "numeric") => match (&*old.modifiers, &*new.modifiers) {
            (_, []) => true,
            ([], _) => false,
            (o, n) => n[0] >= o[0] && o.get(1).unwrap_or(&0) == n.get(1).unwrap_or(&0),
        },
        // Raising fractional-second precision is a catalog change.
        (a, b)
            if a == b
                && matches!(
                    a,
                    "timestamp" | "timestamptz" | "time" | "timetz" | "interval"
                ) =>
        {
            widens(&old.modifiers, &new.modifiers)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(sql_type: &str) -> ColumnType {
        let sql = format!("CREATE TABLE t (c {sql_type})");
        let parsed = pg_query::parse(&sql, pg_query::ParserOptions::DEFAULT).unwrap();
        let Some(NodeEnum::CreateStmt(create)) =
            parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone()
        else {
            panic!()
        };
        let Some(NodeEnum::ColumnDef(col)) = create.table_elts[0].node.clone() else {
            panic!()
        };
        ColumnType::from_type_name(col.type_name.as_ref().unwrap())
    }

    #[test]
    fn coercible_changes() {
        let cases = [
            ("varchar(10)", "varchar(20)", true),
            ("varchar(10)", "varchar", true),
            ("varchar(10)", "text", true),
            ("character varying(10)", "text", true),
            ("text", "varchar", true),
            ("numeric(5,2)", "numeric(10,2)", true),
            ("numeric(5,2)", "numeric", true),
            ("cidr", "inet", true),
            ("timestamp(3)", "timestamp(6)", true),
            ("varchar(20)", "varchar(10)", false),
            ("text", "varchar(10)", false),
            ("numeric(5,2)", "numeric(10,3)", false),
            ("int", "bigint", false),
            ("integer", "int8", false),
            ("timestamp", "timestamptz", false),
            ("char(5)", "text", false),
            ("int[]", "int", false),
            ("varchar(10)[]", "varchar(20)[]", false),
            ("text[]", "text[]", true),
        ];
        for (old, new, expected) in cases {
            assert_eq!(
                is_binary_coercible(&ty(old), &ty(new)),
                expected,
                "{old} -> {new}"
            );
        }
    }

    #[test]
    fn serial_types() {
        assert!(ty("bigserial").is_serial());
        assert!(!ty("bigint").is_serial());
        assert_eq!(ty("character varying(12)").to_string(), "varchar(12)");
        assert_eq!(ty("int8").to_string(), "bigint");
        assert!(has_coercible_sources(&ty("varchar(20)")));
        assert!(!has_coercible_sources(&ty("bigint")));
    }
}

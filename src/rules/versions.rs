//! The PostgreSQL versions each rule depends on, in one line for the README's rules table
//! and `locksmith rules` (the rule's doc says the same at length under "PostgreSQL
//! versions"). Kept apart from the rules' metadata so that adding this column did not
//! touch every rule file; a test fails when a rule has no entry.

/// What a rule's behaviour depends on across the supported versions (10 to 18).
pub fn versions(id: &str) -> Option<&'static str> {
    Some(match id {
        "adding-column-with-volatile-default" => "11+: a volatile DEFAULT; 10: any DEFAULT",
        "adding-not-null-column" => "all; the DEFAULT fix avoids a rewrite from 11",
        "adding-stored-generated-column" => "12+ (STORED); 18: VIRTUAL is not flagged",
        "setting-not-null" => "12+: silent after a validated CHECK; 10–11: always",
        "concurrently-in-transaction" => {
            "all; REINDEX CONCURRENTLY 12+, DETACH ... CONCURRENTLY 14+"
        }
        "rewriting-table" => "all; SET ACCESS METHOD 15+",
        "reindexing-non-concurrently" => "12+: error; 10–11: warning (no CONCURRENTLY)",
        "detaching-partition-non-concurrently" => "14+ (silent before: no CONCURRENTLY)",
        "adding-enum-value-in-transaction" => "10–11: any ADD VALUE; 12+: when the value is used",
        "attaching-partition-without-check" => {
            "all; the parent's lock is AccessExclusiveLock before 12"
        }
        "holding-exclusive-lock-across-statements" => {
            "all; which statements take AccessExclusiveLock varies"
        }
        "creating-trigger" => "all; CREATE OR REPLACE TRIGGER 14+",
        "syntax-error" => "none (the PostgreSQL 18 grammar)",
        "index-concurrently-on-partitioned-table" => {
            "all: no version allows it (11+ have partitioned indexes)"
        }
        "downgrade-not-reversible" => "none (compares the schema model)",
        "psql-meta-command"
        | "unused-suppression"
        | "invalid-suppression"
        | "unrenderable-operation"
        | "approximate-rendering"
        | "alembic-multiple-heads"
        | "alembic-broken-revision"
        | "alembic-empty-downgrade" => "none",
        "adding-serial-column"
        | "changing-column-type"
        | "creating-index-non-concurrently"
        | "dropping-index-non-concurrently"
        | "dynamic-sql-not-linted"
        | "unknown-object"
        | "adding-foreign-key-without-not-valid"
        | "adding-check-constraint-without-not-valid"
        | "adding-unique-constraint"
        | "renaming-column"
        | "renaming-table"
        | "dropping-column"
        | "dropping-table"
        | "missing-lock-timeout"
        | "refreshing-materialized-view-non-concurrently"
        | "adding-domain-constraint"
        | "truncating-table"
        | "locking-table-explicitly"
        | "unbounded-data-change"
        | "missing-statement-timeout"
        | "nested-transaction"
        | "uncommitted-transaction"
        | "backfilling-in-transaction-with-ddl"
        | "validating-constraint-in-same-transaction"
        | "dropping-database-or-schema"
        | "dropping-not-null"
        | "renaming-schema"
        | "renaming-enum-value"
        | "prefer-bigint-over-int"
        | "prefer-identity-over-serial"
        | "prefer-text-over-varchar"
        | "prefer-timestamptz"
        | "banned-char-type"
        | "prefer-jsonb-over-json"
        | "identifier-too-long"
        | "prefer-robust-statements"
        | "concurrent-index-without-if-not-exists" => "all",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_rule_says_which_versions_it_depends_on() {
        for rule in super::super::ALL {
            assert!(
                super::versions(rule.id).is_some(),
                "{} has no entry in src/rules/versions.rs",
                rule.id
            );
        }
    }
}

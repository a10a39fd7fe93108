//! `lint` lets a statement's facts go once no check reads them (`Config::findings_only`):
//! that must never change what it reports. Every SQL fixture and every rule doc's SQL
//! example, alone and all in one file (autocommit statements and blocks mixed), and
//! mutations of the rule fixtures give the same findings, and the same facts for each
//! finding's statement, with and without it (30,000 mutations once by hand; 600 here).
//! Handing findings on as they are final (a huge file under `lint`), a piece after every
//! statement or block that closes, gives them all the same, in the same order.

use std::path::Path;

#[path = "support/mutate.rs"]
mod mutate;
#[path = "support/sql_texts.rs"]
mod sql_texts;

use locksmith::config::Config;
use locksmith::lint::{FileReport, HandOn, lint_sql, lint_sql_handing_on};
use locksmith::rules;
use locksmith::source::SourceFile;

/// Each finding with the facts of its statement, as the reporters print them.
fn reported(report: &FileReport) -> Vec<String> {
    (report.findings.iter())
        .map(|f| {
            let facts = report.statement_of(f).map(|s| {
                let actions: Vec<_> = (s.facts.actions.iter())
                    .map(|a| (a.form, a.relation.clone(), a.lock, a.other.clone()))
                    .collect();
                format!("{actions:?} {:?}", s.locks_on_existing)
            });
            format!(
                "{} {:?} {:?} {} | {}",
                f.rule.id,
                f.severity,
                f.span,
                f.message,
                facts.unwrap_or_default()
            )
        })
        .collect()
}

/// How the findings were handed on: in how many parts, with how many statements let go.
struct Handed {
    parts: usize,
    let_go: usize,
}

fn assert_same(name: &str, sql: &str) -> Handed {
    let mut all = Config::default();
    for rule in rules::ALL {
        all = all.enabling(rule);
    }
    assert_same_under(name, sql, &all)
}

fn assert_same_under(name: &str, sql: &str, all: &Config) -> Handed {
    let mut shedding = all.clone();
    shedding.findings_only = true;
    let kept = lint_sql(SourceFile::new(name, sql), all);
    let shed = lint_sql(SourceFile::new(name, sql), &shedding);
    assert_eq!(reported(&kept), reported(&shed), "{name}");
    assert_eq!(kept.statements.len(), shed.statements.len(), "{name}");

    let mut parts = Vec::new();
    let hand_on = HandOn {
        at_least: 1,
        to: &mut |part: FileReport| parts.push(part),
    };
    let catalog = Default::default();
    let rest = lint_sql_handing_on(SourceFile::new(name, sql), &shedding, catalog, hand_on);
    assert!(
        parts
            .iter()
            .all(|part| part.partial && !part.findings.is_empty())
    );
    let mut handed: Vec<String> = parts.iter().flat_map(reported).collect();
    handed.extend(reported(&rest));
    assert_eq!(reported(&kept), handed, "{name}, handed on");
    let counted = rest.statements_let_go + rest.statements.len();
    assert_eq!(kept.statements.len(), counted, "{name}");
    assert_eq!(
        kept.unparsable_statements, rest.unparsable_statements,
        "{name}"
    );
    Handed {
        parts: parts.len(),
        let_go: rest.statements_let_go,
    }
}

#[test]
fn letting_facts_go_changes_no_finding() {
    let texts = sql_texts::sql_texts();
    let mut whole = String::new();
    let (mut parts, mut let_go) = (0, 0);
    for (name, sql) in &texts {
        let handed = assert_same(name, sql);
        parts += handed.parts;
        let_go += handed.let_go;
        whole.push_str(sql);
        whole.push_str("\n;\n");
    }
    assert!(
        texts.len() > 100 && whole.len() > 50_000,
        "fixtures not found"
    );
    // Alone, many fixtures hand some on (in one file, none: some have suppression
    // comments).
    assert!(parts > 100, "{parts} parts handed on");
    assert!(let_go > 300, "{let_go} statements let go");
    assert_same("all.sql", &whole);
}

/// The attach a file check flags, and the validation that makes a CHECK count, are read
/// after the walk: they keep their facts between autocommit statements that let theirs go.
#[test]
fn a_file_check_still_sees_what_it_reads() {
    let filler = "CREATE TABLE filler_{i} (id bigint);\nSELECT 1;\n";
    let filler = |n: usize| {
        (0..n)
            .map(|i| filler.replace("{i}", &i.to_string()))
            .collect::<String>()
    };
    // With a lock timeout, no statement check names the attach: only the file check can.
    let flagged = format!(
        "SET lock_timeout = '1s';\n{}ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n{}",
        filler(20),
        filler(20)
    );
    let validated = format!(
        "SET lock_timeout = '1s';\nALTER TABLE events_2024 ADD CONSTRAINT bound CHECK (created_at IS NOT NULL) NOT VALID;\n{}\
         ALTER TABLE events_2024 VALIDATE CONSTRAINT bound;\n{}\
         ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n",
        filler(10),
        filler(10)
    );
    let mut config = Config::default();
    config.findings_only = true;
    let attach_findings = |sql: &str| {
        let report = lint_sql(SourceFile::new("t.sql", sql), &config);
        (report.findings.iter())
            .filter(|f| f.rule.id == "attaching-partition-without-check")
            .count()
    };
    assert_eq!(attach_findings(&flagged), 1);
    assert_eq!(attach_findings(&validated), 0);
    // Handed on after every statement, the fillers before the attach are let go, but for
    // what the check reads: the CHECK and its validation.
    assert!(assert_same("flagged.sql", &flagged).let_go > 0);
    assert!(assert_same("validated.sql", &validated).let_go > 20);
}

/// The same on mutated fixtures (broken statements, blocks cut open or closed), under the
/// names whose tools run a file in a transaction and with every statement assumed in one.
#[test]
fn letting_facts_go_changes_no_finding_on_mutated_inputs() {
    let corpus: Vec<String> = sql_texts::sql_texts_under(Path::new("tests/fixtures/rules"))
        .into_iter()
        .map(|(_, sql)| sql)
        .collect();
    let mut all = Config::parse("assume_in_transaction: true\n", "t.yaml").expect("config");
    for rule in rules::ALL {
        all = all.enabling(rule);
    }
    let configs = [Config::default(), all];
    let mut rng = mutate::Rng(0x0f17_d106_5eed);
    let mut let_go = 0;
    for i in 0..600 {
        // Half the inputs (under each config) join three fixtures: what one lets go, a
        // later one may read (an attach after the CHECK it needs, a DO block after
        // statements let go).
        let mut base = corpus[rng.below(corpus.len())].clone();
        for _ in 0..(i / 2 % 2) * 2 {
            base = format!("{base}\n;\n{}", corpus[rng.below(corpus.len())]);
        }
        let sql = mutate::mutate(&mut rng, &base);
        let name = ["fuzz.sql", "V1__fuzz.sql", "000001_fuzz.up.sql"][i % 3];
        let_go += assert_same_under(name, &sql, &configs[i % 2]).let_go;
    }
    assert!(let_go > 300, "{let_go} statements let go");
}

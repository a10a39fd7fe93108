//! Findings as plain data: the rule, severity, message, advice and a byte span in the
//! source. Reporters turn them into text; nothing here knows about output formats.

use std::borrow::Cow;
use std::ops::Range;

use crate::rules::{Advice, Rule, Severity};
use crate::source::{Language, SourceFile};

/// One diagnostic, anchored in a source file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub advice: Advice,
    /// Byte span in the source file.
    pub span: Range<usize>,
    /// Index of the statement it concerns in the file's statement list.
    pub statement: Option<usize>,
}

// A file's findings are kept to its end (a 50 MiB migration has 170,000): its rare fix
// boxed keeps a finding in 128 bytes.
const _: () = assert!(std::mem::size_of::<Finding>() <= 128);

impl Finding {
    /// The help that fits the file the finding is in: SQL advice for `.sql` files, Alembic
    /// advice for revision files.
    pub fn help(&self, source: &SourceFile) -> Option<Cow<'_, str>> {
        match source.language {
            Language::Sql => self.advice.sql.as_deref().map(Cow::Borrowed),
            Language::Python => {
                let call = source.text.get(self.span.clone()).unwrap_or_default();
                self.advice.for_alembic(call)
            }
        }
    }
}

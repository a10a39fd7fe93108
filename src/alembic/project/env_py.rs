//! env.py, read from its syntax tree without running it: whether it sets
//! `transaction_per_migration` (its `configure(...)` calls, offline mode first), and the
//! settings it applies to every migration (see `env_settings.rs`).

use std::fs;
use std::path::Path;

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;

use super::AlembicProject;
use super::env_settings::EnvSettings;
use super::util::{io_message, line_of, normalize};

/// Fills in env.py and what it says about `transaction_per_migration`, when the script
/// directory has one.
pub(super) fn fill_env_py(project: &mut AlembicProject) {
    let Some(script) = &project.script_location else {
        return;
    };
    let env_py = normalize(&script.join("env.py"));
    if !env_py.is_file() {
        return;
    }
    let (on, note, settings) = read_env_py(&env_py);
    project.transaction_per_migration = on;
    project.transaction_per_migration_note = note;
    project.env_settings = settings;
    project.env_py = Some(env_py);
}

/// What one `configure(...)` call says about `transaction_per_migration`.
enum TpmValue {
    Absent,
    Literal(bool),
    /// Not decidable statically: the expression's source text and line.
    Unknown(String, usize),
}

struct ConfigureCall {
    offline: bool,
    setting: TpmValue,
}

/// Reads `transaction_per_migration` from env.py's `context.configure(...)` calls, and its
/// settings for every migration.
fn read_env_py(env_py: &Path) -> (bool, Option<String>, EnvSettings) {
    match fs::read_to_string(env_py) {
        Ok(text) => read_text(&text, env_py),
        Err(e) => (
            false,
            Some(format!(
                "{}: could not read env.py ({}); {ASSUMED}",
                env_py.display(),
                io_message(&e)
            )),
            EnvSettings::default(),
        ),
    }
}

/// The settings env.py applies to every migration; nothing when it does not parse (that is
/// said by [`transaction_per_migration_in`]).
#[cfg(test)]
pub(super) fn env_settings_in(text: &str) -> EnvSettings {
    read_text(text, Path::new("env.py")).2
}

const ASSUMED: &str = "assuming one transaction for the whole script";

/// [`transaction_per_migration`] over env.py's text; `env_py` names it in notes.
#[cfg(test)]
fn transaction_per_migration_in(text: &str, env_py: &Path) -> (bool, Option<String>) {
    let (on, note, _) = read_text(text, env_py);
    (on, note)
}

/// env.py's text, parsed once: `transaction_per_migration` with its note, and the settings.
fn read_text(text: &str, env_py: &Path) -> (bool, Option<String>, EnvSettings) {
    let module = match crate::python::parse::parse_module(text, &env_py.to_string_lossy()) {
        Ok(module) => module,
        Err(e) => {
            let line = line_of(text, usize::from(e.offset));
            let note = format!(
                "{}:{line}: env.py does not parse ({}); {ASSUMED}",
                env_py.display(),
                e.error
            );
            return (false, Some(note), EnvSettings::default());
        }
    };
    let mut finder = ConfigureFinder {
        text,
        calls: Vec::new(),
        settings: EnvSettings::default(),
    };
    finder.stmts(&module.body, false);
    let (on, note) = transaction_per_migration(&finder.calls, env_py);
    (on, note, finder.settings)
}

/// Whether each migration runs in its own transaction, from the `configure(...)` calls
/// (the offline ones when there are any), with a note when it cannot be told.
fn transaction_per_migration(calls: &[ConfigureCall], env_py: &Path) -> (bool, Option<String>) {
    let relevant: Vec<&ConfigureCall> = if calls.iter().any(|c| c.offline) {
        calls.iter().filter(|c| c.offline).collect()
    } else {
        calls.iter().collect()
    };
    if let Some(call) = relevant
        .iter()
        .find(|c| matches!(c.setting, TpmValue::Unknown(..)))
    {
        let TpmValue::Unknown(expr, line) = &call.setting else {
            unreachable!()
        };
        return (
            false,
            Some(format!(
                "{}:{}: transaction_per_migration is set from {expr}, which is not a literal, so locksmith cannot tell whether each migration runs in its own transaction; {ASSUMED}",
                env_py.display(),
                line
            )),
        );
    }
    (
        relevant
            .iter()
            .any(|c| matches!(c.setting, TpmValue::Literal(true))),
        None,
    )
}

struct ConfigureFinder<'a> {
    text: &'a str,
    calls: Vec<ConfigureCall>,
    settings: EnvSettings,
}

impl ConfigureFinder<'_> {
    /// What cannot be decided: the source text of `range`, and its line.
    fn unknown(&self, prefix: &str, range: TextRange) -> TpmValue {
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        let text = self.text.get(start..end).unwrap_or("<expression>");
        TpmValue::Unknown(format!("{prefix}{text}"), line_of(self.text, start))
    }

    fn stmts(&mut self, body: &[Stmt], offline: bool) {
        for stmt in body {
            self.stmt(stmt, offline);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, offline: bool) {
        match stmt {
            Stmt::FunctionDef(f) => {
                let offline = offline || f.name.as_str().to_lowercase().contains("offline");
                self.stmts(&f.body, offline);
            }
            Stmt::AsyncFunctionDef(f) => {
                let offline = offline || f.name.as_str().to_lowercase().contains("offline");
                self.stmts(&f.body, offline);
            }
            Stmt::ClassDef(c) => self.stmts(&c.body, offline),
            Stmt::If(s) => {
                self.expr(&s.test, offline);
                let (body_offline, else_offline) = match offline_test(&s.test) {
                    Some(true) => (true, offline),
                    Some(false) => (offline, true),
                    None => (offline, offline),
                };
                self.stmts(&s.body, body_offline);
                self.stmts(&s.orelse, else_offline);
            }
            Stmt::For(s) => {
                self.stmts(&s.body, offline);
                self.stmts(&s.orelse, offline);
            }
            Stmt::AsyncFor(s) => {
                self.stmts(&s.body, offline);
                self.stmts(&s.orelse, offline);
            }
            Stmt::While(s) => {
                self.stmts(&s.body, offline);
                self.stmts(&s.orelse, offline);
            }
            Stmt::With(s) => {
                for item in &s.items {
                    self.expr(&item.context_expr, offline);
                }
                self.stmts(&s.body, offline);
            }
            Stmt::AsyncWith(s) => {
                for item in &s.items {
                    self.expr(&item.context_expr, offline);
                }
                self.stmts(&s.body, offline);
            }
            Stmt::Try(s) => {
                self.stmts(&s.body, offline);
                for ast::ExceptHandler::ExceptHandler(h) in &s.handlers {
                    self.stmts(&h.body, offline);
                }
                self.stmts(&s.orelse, offline);
                self.stmts(&s.finalbody, offline);
            }
            Stmt::TryStar(s) => {
                self.stmts(&s.body, offline);
                for ast::ExceptHandler::ExceptHandler(h) in &s.handlers {
                    self.stmts(&h.body, offline);
                }
                self.stmts(&s.orelse, offline);
                self.stmts(&s.finalbody, offline);
            }
            Stmt::Match(s) => {
                for case in &s.cases {
                    self.stmts(&case.body, offline);
                }
            }
            Stmt::Expr(s) => self.expr(&s.value, offline),
            Stmt::Assign(s) => self.expr(&s.value, offline),
            Stmt::AnnAssign(s) => {
                if let Some(value) = &s.value {
                    self.expr(value, offline);
                }
            }
            Stmt::Return(s) => {
                if let Some(value) = &s.value {
                    self.expr(value, offline);
                }
            }
            _ => {}
        }
    }

    fn expr(&mut self, expr: &Expr, offline: bool) {
        match expr {
            Expr::Call(call) => {
                let is_configure = match call.func.as_ref() {
                    Expr::Attribute(a) => a.attr.as_str() == "configure",
                    Expr::Name(n) => n.id.as_str() == "configure",
                    _ => false,
                };
                if is_configure {
                    let setting = self.setting(call);
                    self.calls.push(ConfigureCall { offline, setting });
                }
                self.settings.read_call(call, self.text);
                self.expr(&call.func, offline);
                for arg in &call.args {
                    self.expr(arg, offline);
                }
                for keyword in &call.keywords {
                    self.expr(&keyword.value, offline);
                }
            }
            Expr::Attribute(a) => self.expr(&a.value, offline),
            Expr::Await(a) => self.expr(&a.value, offline),
            Expr::NamedExpr(n) => self.expr(&n.value, offline),
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.expr(v, offline)),
            Expr::IfExp(i) => {
                self.expr(&i.test, offline);
                self.expr(&i.body, offline);
                self.expr(&i.orelse, offline);
            }
            _ => {}
        }
    }

    fn setting(&self, call: &ast::ExprCall) -> TpmValue {
        let mut setting = TpmValue::Absent;
        for keyword in &call.keywords {
            match &keyword.arg {
                Some(name) if name.as_str() == "transaction_per_migration" => {
                    setting = literal_bool(&keyword.value)
                        .map(TpmValue::Literal)
                        .unwrap_or_else(|| self.unknown("", keyword.value.range()));
                }
                Some(_) => {}
                // `**{...}`: a literal dict can be read; anything else could set it.
                None => match &keyword.value {
                    Expr::Dict(dict) => {
                        for (key, value) in dict.keys.iter().zip(&dict.values) {
                            match key {
                                Some(Expr::Constant(c)) => {
                                    if matches!(&c.value, Constant::Str(s) if s == "transaction_per_migration")
                                    {
                                        setting = literal_bool(value)
                                            .map(TpmValue::Literal)
                                            .unwrap_or_else(|| self.unknown("", value.range()));
                                    }
                                }
                                _ => setting = self.unknown("", keyword.range),
                            }
                        }
                    }
                    other => {
                        setting = self.unknown("**", other.range());
                    }
                },
            }
        }
        setting
    }
}

fn literal_bool(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Constant(c) => match &c.value {
            Constant::Bool(b) => Some(*b),
            Constant::None => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `Some(true)` for `context.is_offline_mode()`, `Some(false)` for its negation.
fn offline_test(test: &Expr) -> Option<bool> {
    match test {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(a) if a.attr.as_str() == "is_offline_mode" => Some(true),
            Expr::Name(n) if n.id.as_str() == "is_offline_mode" => Some(true),
            _ => None,
        },
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::Not) => {
            offline_test(&u.operand).map(|o| !o)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tpm(text: &str) -> (bool, Option<String>) {
        transaction_per_migration_in(text, Path::new("env.py"))
    }

    #[test]
    fn transaction_per_migration_from_env_py() {
        assert_eq!(
            tpm(
                "from alembic import context\ncontext.configure(url=u, transaction_per_migration=True)\n"
            ),
            (true, None)
        );
        assert_eq!(
            tpm(
                "from alembic.context import configure\nconfigure(transaction_per_migration=True)\n"
            ),
            (true, None)
        );
        assert_eq!(tpm("context.configure(url=u)\n"), (false, None));
        assert_eq!(tpm("x = 1\n"), (false, None));
        assert_eq!(
            tpm("context.configure(**{'transaction_per_migration': True, 'url': u})\n"),
            (true, None)
        );
        // Only what offline mode runs counts when offline mode is recognisable.
        let online_only = "def run_migrations_offline():\n    context.configure(url=u)\n\ndef run_migrations_online():\n    context.configure(connection=c, transaction_per_migration=True)\n";
        assert_eq!(tpm(online_only), (false, None));
        let inverted = "if not context.is_offline_mode():\n    context.configure(connection=c)\nelse:\n    context.configure(url=u, transaction_per_migration=True)\n";
        assert_eq!(tpm(inverted), (true, None));
        let nested = "def run_migrations_offline():\n    with ctx():\n        try:\n            context.configure(url=u, transaction_per_migration=True)\n        finally:\n            pass\n";
        assert_eq!(tpm(nested), (true, None));
    }

    #[test]
    fn transaction_per_migration_that_cannot_be_decided_says_why() {
        let (on, note) =
            tpm("def run_migrations_offline():\n    context.configure(url=u, **conf_args)\n");
        assert!(!on);
        assert_eq!(
            note.as_deref(),
            Some(
                "env.py:2: transaction_per_migration is set from **conf_args, which is not a literal, so \
                 locksmith cannot tell whether each migration runs in its own transaction; assuming one \
                 transaction for the whole script"
            )
        );
        let (on, note) =
            tpm("context.configure(\n    transaction_per_migration=PER_MIGRATION,\n)\n");
        assert!(!on);
        assert!(note.unwrap().contains("set from PER_MIGRATION"));
        let (on, note) = tpm("def run(:\n    pass\n");
        assert!(!on);
        assert!(
            note.unwrap()
                .starts_with("env.py:1: env.py does not parse (")
        );
    }
}

//! What env.py does to every migration's connection, read from its calls without running
//! it: `SET` statements it executes (`connection.execute(text("SET lock_timeout = 4000"))`,
//! `context.execute(...)`), session options in `connect_args={"options": "-c ..."}`, and
//! the `version_table` / `version_table_schema` its `configure(...)` names.

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use super::util::line_of;

/// A session setting env.py applies before the migrations run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSetting {
    /// As a statement: `SET lock_timeout = 4000`.
    pub sql: String,
    /// 1-based line in env.py.
    pub line: usize,
}

/// Everything env.py says that changes what runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvSettings {
    pub session: Vec<SessionSetting>,
    pub version_table: Option<String>,
    pub version_table_schema: Option<String>,
}

impl EnvSettings {
    /// Reads one call of env.py.
    pub(super) fn read_call(&mut self, call: &ast::ExprCall, text: &str) {
        let line = line_of(text, usize::from(call.range().start()));
        let name = match call.func.as_ref() {
            Expr::Attribute(a) => a.attr.as_str(),
            Expr::Name(n) => n.id.as_str(),
            _ => "",
        };
        if (name == "execute" || name == "exec_driver_sql")
            && let Some(sql) = call.args.first().and_then(sql_text)
            && sql.trim_start().to_ascii_lowercase().starts_with("set ")
        {
            self.add(sql.trim().trim_end_matches(';').trim().to_string(), line);
        }
        for keyword in &call.keywords {
            let Some(arg) = &keyword.arg else { continue };
            match (name, arg.as_str()) {
                (_, "connect_args") => {
                    if let Some(options) = dict_str(&keyword.value, "options") {
                        for (setting, value) in connect_options(&options) {
                            self.add(
                                format!("SET {setting} = '{}'", value.replace('\'', "''")),
                                line,
                            );
                        }
                    }
                }
                ("configure", "version_table") => self.version_table = literal_str(&keyword.value),
                ("configure", "version_table_schema") => {
                    self.version_table_schema = literal_str(&keyword.value)
                }
                _ => {}
            }
        }
    }

    /// Online and offline branches often execute the same statement: keep it once.
    fn add(&mut self, sql: String, line: usize) {
        if !self.session.iter().any(|s| s.sql == sql) {
            self.session.push(SessionSetting { sql, line });
        }
    }
}

fn literal_str(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Constant(c) => match &c.value {
            Constant::Str(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A literal SQL string, or `text("...")` / `sa.text("...")` around one.
fn sql_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) => {
            let is_text = match call.func.as_ref() {
                Expr::Attribute(a) => a.attr.as_str() == "text",
                Expr::Name(n) => n.id.as_str() == "text",
                _ => false,
            };
            call.args.first().filter(|_| is_text).and_then(literal_str)
        }
        other => literal_str(other),
    }
}

/// The string under `key` in a literal dict.
fn dict_str(expr: &Expr, key: &str) -> Option<String> {
    let Expr::Dict(dict) = expr else { return None };
    dict.keys
        .iter()
        .zip(&dict.values)
        .find(|(k, _)| k.as_ref().and_then(literal_str).as_deref() == Some(key))
        .and_then(|(_, value)| literal_str(value))
}

/// `-c lock_timeout=4000 -cstatement_timeout=30s --search_path=app`: libpq's `options`.
fn connect_options(options: &str) -> Vec<(String, String)> {
    let mut words = options.split_whitespace();
    let mut settings = Vec::new();
    while let Some(word) = words.next() {
        let assignment = if word == "-c" {
            words.next()
        } else {
            word.strip_prefix("-c").or_else(|| word.strip_prefix("--"))
        };
        if let Some((name, value)) = assignment.and_then(|a| a.split_once('=')) {
            let name = name.replace('-', "_");
            if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                settings.push((name, value.to_string()));
            }
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> EnvSettings {
        super::super::env_py::env_settings_in(text)
    }

    #[test]
    fn set_statements_connect_options_and_version_table() {
        let env = settings(
            "from alembic import context\nfrom sqlalchemy import text, create_engine\n\
             def run_migrations_online():\n\
             \x20   engine = create_engine(url, connect_args={\"options\": \"-c lock_timeout=4000 -cstatement_timeout=60s\"})\n\
             \x20   with engine.connect() as connection:\n\
             \x20       connection.execute(text(\"SET lock_timeout = '3s'\"))\n\
             \x20       connection.execute(text(\"SELECT 1\"))\n\
             \x20       context.configure(connection=connection, version_table=\"schema_version\", version_table_schema=\"meta\")\n\
             def run_migrations_offline():\n\
             \x20   context.configure(url=url)\n\
             \x20   context.execute(\"SET lock_timeout = '3s';\")\n",
        );
        let sql: Vec<(&str, usize)> = env
            .session
            .iter()
            .map(|s| (s.sql.as_str(), s.line))
            .collect();
        assert_eq!(
            sql,
            vec![
                ("SET lock_timeout = '4000'", 4),
                ("SET statement_timeout = '60s'", 4),
                ("SET lock_timeout = '3s'", 6),
            ]
        );
        assert_eq!(env.version_table.as_deref(), Some("schema_version"));
        assert_eq!(env.version_table_schema.as_deref(), Some("meta"));
    }

    #[test]
    fn nothing_decidable_is_nothing() {
        let env = settings(
            "def run():\n    connection.execute(text(QUERY))\n    create_engine(url, connect_args=ARGS)\n",
        );
        assert_eq!(env, EnvSettings::default());
    }
}

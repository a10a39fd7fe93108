//! The database side of `trace`: connecting (rust-postgres; TLS through rustls, see
//! [`super::tls`]), the transaction that is always rolled back, and the catalog snapshots.

use std::time::Duration;

use postgres::config::{Host, SslMode as PgSslMode};
use postgres::{Client, NoTls, Transaction};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, SslMode, TlsSettings};
use super::{Executor, Fatal, ServerError, ServerRelation, Snapshot, StatementError, relkind_name};
use crate::facts::LockMode;

/// Connects to `url` (a `postgresql://` URL or `key=value` connection string), with TLS
/// as its `sslmode`/`sslrootcert` say. Nothing is read from the environment:
/// rust-postgres ignores `PG*` variables and so do we.
pub fn connect(url: &str) -> Result<Client, String> {
    let shown = redact(url);
    let (rest, settings) =
        tls::split(url).map_err(|e| format!("invalid --database-url {shown}: {e}"))?;
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e| format!("invalid --database-url {shown}: {e}"))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("locksmith trace");
    }
    // libpq ignores sslmode on unix sockets, where the server offers no TLS.
    let tcp_host = config.get_hosts().iter().find_map(|h| match h {
        Host::Tcp(name) => Some(name.clone()),
        #[cfg(unix)]
        Host::Unix(_) => None,
    });
    let rustls_config = match &tcp_host {
        Some(_) => tls::client_config(&settings).map_err(|e| format!("{shown}: {e}"))?,
        None => None,
    };
    let connected = match rustls_config {
        None => {
            config.ssl_mode(PgSslMode::Disable);
            config.connect(NoTls)
        }
        Some(rustls_config) => {
            config.ssl_mode(match settings.mode {
                SslMode::Prefer => PgSslMode::Prefer,
                _ => PgSslMode::Require,
            });
            config.connect(MakeRustlsConnect::new(rustls_config))
        }
    };
    connected.map_err(|e| {
        let why = tls_failure(&e, &settings, tcp_host.as_deref().unwrap_or_default())
            .unwrap_or_else(|| error_text(&e));
        format!("cannot connect to {shown}: {why}")
    })
}

/// What went wrong with TLS, said plainly: a certificate that failed verification (naming
/// the host), or a server without TLS when TLS was required.
fn tls_failure(e: &postgres::Error, settings: &TlsSettings, host: &str) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(error) = source {
        // rustls' error travels inside an io::Error, whose source() skips it.
        let inner = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        let rustls_error = inner
            .and_then(|i| i.downcast_ref::<rustls::Error>())
            .or_else(|| error.downcast_ref::<rustls::Error>());
        match rustls_error {
            Some(rustls::Error::InvalidCertificate(cert)) => {
                return Some(format!(
                    "TLS certificate verification failed for host `{host}` ({}): {}",
                    settings.describe(),
                    tls::certificate_problem(cert, settings)
                ));
            }
            Some(other) => {
                return Some(format!(
                    "TLS handshake with host `{host}` failed ({}): {other}",
                    settings.describe()
                ));
            }
            None => {}
        }
        if error.to_string().contains("server does not support TLS") {
            return Some(format!(
                "the server at `{host}` does not support TLS, and {} requires it (use \
                 sslmode=prefer or disable to connect unencrypted)",
                settings.describe()
            ));
        }
        source = error.source();
    }
    None
}

/// The server's `server_version` and major version.
pub fn server_version(client: &mut Client) -> Result<(String, u32), String> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int",
            &[],
        )
        .map_err(|e| format!("cannot read the server version: {}", error_text(&e)))?;
    let version: String = row.get(0);
    let num: i32 = row.get(1);
    Ok((version, (num / 10000) as u32))
}

/// The TLS version when the session is encrypted (`pg_stat_ssl`), `None` when it is not.
pub fn encryption(client: &mut Client) -> Result<Option<String>, String> {
    let row = client
        .query_opt(
            "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl",
            &[],
        )
        .map_err(|e| format!("cannot read pg_stat_ssl: {}", error_text(&e)))?;
    Ok(row.map(|r| r.get(0)))
}

/// The URL with its password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let trimmed = url.trim();
    if let Some(scheme_end) = trimmed.find("://") {
        // postgresql://user:password@host/db?password=...
        let rest = &trimmed[scheme_end + 3..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let authority = match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let userinfo = match userinfo.find(':') {
                    Some(colon) => format!("{}:***", &userinfo[..colon]),
                    None => userinfo.to_string(),
                };
                format!("{userinfo}{}", &authority[at..])
            }
            None => authority.to_string(),
        };
        let tail = match tail.find('?') {
            Some(q) => {
                let params: Vec<String> = tail[q + 1..]
                    .split('&')
                    .map(|p| match p.split_once('=') {
                        Some((k, _)) if k == "password" => format!("{k}=***"),
                        _ => p.to_string(),
                    })
                    .collect();
                format!("{}?{}", &tail[..q], params.join("&"))
            }
            None => tail.to_string(),
        };
        format!("{}{authority}{tail}", &trimmed[..scheme_end + 3])
    } else {
        // key=value form: password=secret or password='se cret'
        let mut out = String::new();
        let mut rest = trimmed;
        while let Some(pos) = rest.find("password") {
            let (before, after) = rest.split_at(pos);
            out.push_str(before);
            let after_key = after["password".len()..].trim_start();
            let at_word_start = before.is_empty() || before.ends_with(char::is_whitespace);
            if at_word_start && after_key.starts_with('=') {
                out.push_str("password=***");
                let value = after_key[1..].trim_start();
                rest = if let Some(quoted) = value.strip_prefix('\'') {
                    let mut end = quoted.len();
                    let mut escaped = false;
                    for (i, c) in quoted.char_indices() {
                        match c {
                            '\\' if !escaped => escaped = true,
                            '\'' if !escaped => {
                                end = i + 1;
                                break;
                            }
                            _ => escaped = false,
                        }
                    }
                    &quoted[end.min(quoted.len())..]
                } else {
                    let end = value.find(char::is_whitespace).unwrap_or(value.len());
                    &value[end..]
                };
            } else {
                out.push_str("password");
                rest = &after["password".len()..];
            }
        }
        out.push_str(rest);
        out
    }
}

/// The server's message for a database error, the client's otherwise.
pub fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            // "error connecting to server: <cause>" is more useful with its cause.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(&format!(": {cause_text}"));
                }
                source = cause.source();
            }
            text
        }
    }
}

/// One file's transaction. Dropping it (or [`Session::rollback`]) rolls back; there is
/// no way to commit through it.
pub struct Session<'a> {
    tx: Option<Transaction<'a>>,
}

impl<'a> Session<'a> {
    pub fn begin(client: &'a mut Client) -> Result<Session<'a>, Fatal> {
        let tx = client.transaction().map_err(|e| fatal("BEGIN", &e))?;
        Ok(Session { tx: Some(tx) })
    }

    pub fn rollback(mut self) -> Result<(), Fatal> {
        match self.tx.take() {
            Some(tx) => tx.rollback().map_err(|e| fatal("ROLLBACK", &e)),
            None => Ok(()),
        }
    }

    fn tx(&mut self) -> &mut Transaction<'a> {
        self.tx
            .as_mut()
            .expect("the transaction is open until rollback")
    }
}

fn fatal(what: &str, e: &postgres::Error) -> Fatal {
    Fatal(format!("{what} failed: {}", error_text(e)))
}

const RELATIONS_SQL: &str = "\
SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.relfilenode
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'";

const LOCKS_SQL: &str = "\
SELECT l.relation, l.mode
  FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

const RESOLVE_SQL: &str = "\
SELECT n.name, to_regclass(n.name)::oid FROM unnest($1::text[]) AS n(name)";

impl Executor for Session<'_> {
    fn execute(&mut self, sql: &str) -> Result<(), StatementError> {
        // The extended protocol runs exactly one statement: a text that smuggled in a
        // `; COMMIT` would be rejected by the server instead of committing.
        match self.tx().execute(sql, &[]) {
            Ok(_) => Ok(()),
            Err(e) => match e.as_db_error() {
                Some(db) => Err(StatementError::Server(ServerError {
                    message: db.message().to_string(),
                    sqlstate: db.code().code().to_string(),
                    detail: db.detail().map(str::to_string),
                    hint: db.hint().map(str::to_string),
                })),
                None => Err(StatementError::Fatal(fatal("the statement", &e))),
            },
        }
    }

    fn control(&mut self, sql: &str) -> Result<(), Fatal> {
        self.tx().batch_execute(sql).map_err(|e| fatal(sql, &e))
    }

    fn snapshot(&mut self, names: &[String]) -> Result<Snapshot, Fatal> {
        let tx = self.tx();
        let mut snapshot = Snapshot::default();
        for row in tx
            .query(RELATIONS_SQL, &[])
            .map_err(|e| fatal("reading pg_class", &e))?
        {
            let oid: u32 = row.get(0);
            let relkind: String = row.get(3);
            let relation = ServerRelation {
                schema: row.get(1),
                name: row.get(2),
                kind: relkind_name(&relkind),
            };
            snapshot.relations.insert(oid, (relation, row.get(4)));
        }
        for row in tx
            .query(LOCKS_SQL, &[])
            .map_err(|e| fatal("reading pg_locks", &e))?
        {
            let oid: Option<u32> = row.get(0);
            let mode: String = row.get(1);
            if let (Some(oid), Some(mode)) = (oid, LockMode::from_name(&mode)) {
                snapshot.locks.insert((oid, mode));
            }
        }
        if !names.is_empty() {
            for row in tx
                .query(RESOLVE_SQL, &[&names])
                .map_err(|e| fatal("resolving relation names", &e))?
            {
                let name: String = row.get(0);
                let oid: Option<u32> = row.get(1);
                if let Some(oid) = oid {
                    snapshot.resolved.insert(name, oid);
                }
            }
        }
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        let cases = [
            (
                "postgresql://app:s3cret@db.internal:5432/staging",
                "postgresql://app:***@db.internal:5432/staging",
            ),
            (
                "postgres://app@db/staging?password=x&sslmode=disable",
                "postgres://app@db/staging?password=***&sslmode=disable",
            ),
            (
                "postgresql://%2Ftmp%2Fpg:5433/db",
                "postgresql://%2Ftmp%2Fpg:5433/db",
            ),
            (
                "host=db user=app password=s3cret dbname=staging",
                "host=db user=app password=*** dbname=staging",
            ),
            (
                "host=db password = 'a b\\' c' dbname=x",
                "host=db password=*** dbname=x",
            ),
            ("host=db passwordless=1", "host=db passwordless=1"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
        }
    }
}

//! A throwaway PostgreSQL cluster for integration tests.
//!
//! [`Cluster::start`] finds the server binaries (`pg_config --bindir`, else the newest
//! `/usr/lib/postgresql/*/bin`, else `initdb` on `PATH`), runs `initdb` into a fresh
//! directory under the system temp dir and starts the server listening only on a unix
//! socket in that directory (`listen_addresses = ''`), on its own port. Dropping the
//! [`Cluster`] stops the server and removes the directory, also when a test panics.
//!
//! PostgreSQL refuses to run as root: when the tests run as root, every server binary
//! (initdb, pg_ctl, postgres, psql) runs as the `postgres` OS user through `runuser`
//! (or `su` when `runuser` is missing), and the directory is handed to that user.
//!
//! The server is talked to with the `psql` binary only (no client crate), and every
//! child process is waited for with a deadline so that a test cannot hang.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The OS user that runs the server when the tests run as root.
const SERVER_USER: &str = "postgres";

/// Environment variables that would change what psql or the server do.
const SCRUBBED_ENV: &[&str] = &[
    "PGOPTIONS",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGTZ",
    "PGDATESTYLE",
    "PGCLIENTENCODING",
    "PGAPPNAME",
    "PSQLRC",
    "PGDATA",
];

/// What a finished (or killed) child process left behind.
#[derive(Debug, Clone)]
pub struct Output {
    pub success: bool,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout on success, otherwise an error carrying stderr.
    pub fn ok(self) -> Result<String, String> {
        if self.success {
            Ok(self.stdout)
        } else if self.timed_out {
            Err(format!("timed out; stderr: {}", self.stderr.trim()))
        } else {
            Err(self.stderr.trim().to_string())
        }
    }
}

/// A child process running in the background, its output collected by threads.
pub struct Background {
    child: Child,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

impl Background {
    fn spawn(mut cmd: Command, stdin: Option<&str>) -> Result<Background, String> {
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let input = input.to_string();
            // A writer thread: a script larger than the pipe buffer must not block us.
            std::thread::spawn(move || {
                let _ = pipe.write_all(input.as_bytes());
            });
        }
        let read = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = r.read_to_string(&mut s);
                s
            })
        };
        let stdout = child.stdout.take().map(|p| read(Box::new(p)));
        let stderr = child.stderr.take().map(|p| read(Box::new(p)));
        Ok(Background {
            child,
            stdout,
            stderr,
        })
    }

    /// Waits at most `timeout`; a child still running then is killed.
    pub fn finish(mut self, timeout: Duration) -> Output {
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Ok(None) => {
                    timed_out = true;
                    // Only this child, by its own handle.
                    let _ = self.child.kill();
                    break self.child.wait().ok();
                }
                Err(_) => break None,
            }
        };
        let join = |h: Option<JoinHandle<String>>| {
            h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
        };
        Output {
            success: !timed_out && status.is_some_and(|s| s.success()),
            timed_out,
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn run(cmd: Command, stdin: Option<&str>, timeout: Duration) -> Output {
    match Background::spawn(cmd, stdin) {
        Ok(bg) => bg.finish(timeout),
        Err(e) => Output {
            success: false,
            timed_out: false,
            stdout: String::new(),
            stderr: e,
        },
    }
}

/// Where the server binaries are.
pub fn find_bindir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    // 1. pg_config --bindir
    if let Ok(out) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && complete(&dir) {
            return Some(dir);
        }
    }
    // 2. Debian/Ubuntu layout, newest major first.
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((v, e.path().join("bin")))
            })
            .filter(|(_, bin)| complete(bin))
            .collect();
        versions.sort();
        if let Some((_, bin)) = versions.pop() {
            return Some(bin);
        }
    }
    // 3. initdb on PATH (resolving symlinks to the real bin directory).
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let initdb = dir.join("initdb");
        if !initdb.is_file() {
            return None;
        }
        let real = std::fs::canonicalize(&initdb).ok()?;
        let bin = real.parent()?.to_path_buf();
        if complete(&bin) {
            Some(bin)
        } else if complete(&dir) {
            Some(dir)
        } else {
            None
        }
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_exists(user: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(user)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A running throwaway cluster. Dropping it stops the server and deletes its directory.
pub struct Cluster {
    bindir: PathBuf,
    psql: PathBuf,
    dir: PathBuf,
    port: u16,
    /// `Some("postgres")` when the tests run as root.
    run_as: Option<&'static str>,
    use_runuser: bool,
    started: bool,
    /// `SHOW server_version`.
    pub version: String,
    /// The major version (`server_version_num / 10000`).
    pub major: u32,
}

/// Why a cluster could not be started: no binaries at all (skip or fail depending on
/// the environment), or a real failure.
#[derive(Debug)]
pub enum StartError {
    NoBinaries,
    Failed(String),
}

impl Cluster {
    pub fn start() -> Result<Cluster, StartError> {
        Cluster::start_in(find_bindir().ok_or(StartError::NoBinaries)?)
    }

    /// A cluster for a test, or `None` when this machine has no server binaries: the test
    /// is then skipped, saying loudly that `what` was NOT done; under CI (`CI` set) a
    /// missing server fails it instead.
    #[allow(dead_code)] // not every test that includes this file starts a cluster so
    pub fn start_or_skip(what: &str) -> Option<Cluster> {
        match Cluster::start() {
            Ok(cluster) => Some(cluster),
            Err(StartError::NoBinaries) if std::env::var_os("CI").is_some() => {
                panic!("no PostgreSQL server binaries found, and CI is set: install PostgreSQL")
            }
            Err(StartError::NoBinaries) => {
                eprintln!("\n!!!!! SKIPPED: no PostgreSQL server binaries; {what} !!!!!\n");
                None
            }
            Err(StartError::Failed(e)) => panic!("could not start a PostgreSQL cluster: {e}"),
        }
    }

    /// A cluster of the server in `bindir` (e.g. one of the majors `scripts/pg-majors`
    /// unpacks, which ship no psql: any psql speaks to every supported major).
    pub fn start_in(bindir: PathBuf) -> Result<Cluster, StartError> {
        Cluster::start_configured(bindir, |_| Ok(String::new()))
    }

    /// Like [`Cluster::start`]; before the server starts, `setup` gets the cluster's
    /// directory (to write files the server reads, e.g. TLS certificates, which are then
    /// handed to the server's user) and returns lines for postgresql.conf.
    pub fn start_with(
        setup: impl FnOnce(&Path) -> Result<String, String>,
    ) -> Result<Cluster, StartError> {
        Cluster::start_configured(find_bindir().ok_or(StartError::NoBinaries)?, setup)
    }

    fn start_configured(
        bindir: PathBuf,
        setup: impl FnOnce(&Path) -> Result<String, String>,
    ) -> Result<Cluster, StartError> {
        let psql = [Some(bindir.clone()), find_bindir()]
            .into_iter()
            .flatten()
            .map(|dir| dir.join("psql"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("psql"));
        let run_as = if running_as_root() {
            if !user_exists(SERVER_USER) {
                return Err(StartError::Failed(format!(
                    "running as root, but there is no `{SERVER_USER}` OS user to run the server as"
                )));
            }
            Some(SERVER_USER)
        } else {
            None
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        // Several clusters may start in one process (one per major): the counter keeps
        // their directories apart (the port may be shared: each has its own socket dir).
        static STARTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("locksmith-pg-{}-{n}-{nanos}", std::process::id());
        let mut dir = std::env::temp_dir().join(&name);
        // A unix socket path is limited to ~107 bytes.
        if dir.as_os_str().len() > 80 {
            dir = PathBuf::from("/tmp").join(&name);
        }
        let port = 20000 + (std::process::id() % 30000) as u16;
        let mut cluster = Cluster {
            bindir,
            psql,
            dir,
            port,
            run_as,
            use_runuser: on_path("runuser"),
            started: false,
            version: String::new(),
            major: 0,
        };
        cluster.init(setup).map_err(StartError::Failed)?;
        Ok(cluster)
    }

    fn init(&mut self, setup: impl FnOnce(&Path) -> Result<String, String>) -> Result<(), String> {
        std::fs::create_dir_all(self.dir.join("tblspc"))
            .map_err(|e| format!("create {}: {e}", self.dir.display()))?;
        if let Some(user) = self.run_as {
            let status = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(&self.dir)
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("chown -R {user}: {} failed", self.dir.display()));
            }
        }
        let data = self.data_dir();
        let mut args = vec!["-D".to_string(), data.to_string_lossy().into_owned()];
        args.extend(
            [
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
            .map(String::from),
        );
        let initdb = self.command(&self.bindir.join("initdb"), &args);
        run(initdb, None, Duration::from_secs(120))
            .ok()
            .map_err(|e| format!("initdb failed: {e}"))?;

        // The listen/socket/port settings are the `-c listen_addresses='' -k <dir> -p <port>`
        // of the command line, written to the config file so no shell quoting is involved.
        let settings = format!(
            "\n# locksmith test cluster\n\
             listen_addresses = ''\n\
             unix_socket_directories = '{dir}'\n\
             port = {port}\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             autovacuum = off\n\
             max_connections = 40\n\
             statement_timeout = '60s'\n\
             lock_timeout = '30s'\n\
             idle_in_transaction_session_timeout = '60s'\n",
            dir = self.dir.display(),
            port = self.port,
        );
        let conf = data.join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(|e| format!("open {}: {e}", conf.display()))?;
        file.write_all(settings.as_bytes())
            .map_err(|e| format!("write {}: {e}", conf.display()))?;
        drop(file);
        let extra = setup(&self.dir)?;
        if !extra.is_empty() {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&conf)
                .map_err(|e| format!("open {}: {e}", conf.display()))?;
            file.write_all(format!("\n{extra}\n").as_bytes())
                .map_err(|e| format!("write {}: {e}", conf.display()))?;
            if let Some(user) = self.run_as {
                // What setup wrote belongs to root: the server must be able to read it.
                let status = Command::new("chown")
                    .arg("-R")
                    .arg(format!("{user}:"))
                    .arg(&self.dir)
                    .status()
                    .map_err(|e| format!("chown: {e}"))?;
                if !status.success() {
                    return Err(format!("chown -R {user}: {} failed", self.dir.display()));
                }
            }
        }

        let mut args = vec!["-D".to_string(), data.to_string_lossy().into_owned()];
        args.extend([
            "-l".to_string(),
            self.log_file().to_string_lossy().into_owned(),
        ]);
        args.extend(["-w", "-t", "60", "start"].map(String::from));
        let pg_ctl = self.command(&self.bindir.join("pg_ctl"), &args);
        let started = run(pg_ctl, None, Duration::from_secs(90));
        // Whatever happened, the server may be up: let Drop stop it.
        self.started = true;
        started.ok().map_err(|e| {
            format!(
                "pg_ctl start failed: {e}\nserver log:\n{}",
                self.server_log()
            )
        })?;

        self.version = self
            .query("postgres", "SHOW server_version")?
            .trim()
            .to_string();
        let num: u32 = self
            .query("postgres", "SHOW server_version_num")?
            .trim()
            .parse()
            .map_err(|e| format!("server_version_num: {e}"))?;
        self.major = num / 10000;
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    /// The directory where a tablespace may be created (owned by the server's user).
    pub fn tablespace_dir(&self) -> PathBuf {
        self.dir.join("tblspc")
    }

    /// A server binary with its arguments, run as the server's OS user when we are root
    /// (`runuser -u postgres -- prog args`, or `su -s /bin/sh postgres -c 'prog args'`).
    fn command(&self, program: &Path, args: &[String]) -> Command {
        let mut cmd = match self.run_as {
            None => {
                let mut c = Command::new(program);
                c.args(args);
                c
            }
            Some(user) if self.use_runuser => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program).args(args);
                c
            }
            Some(user) => {
                let mut line = shell_quote(&program.to_string_lossy());
                for a in args {
                    line.push(' ');
                    line.push_str(&shell_quote(a));
                }
                let mut c = Command::new("su");
                c.args(["-s", "/bin/sh", user, "-c"]).arg(line);
                c
            }
        };
        for var in SCRUBBED_ENV {
            cmd.env_remove(var);
        }
        // A directory the server's user can enter.
        cmd.current_dir(&self.dir);
        cmd
    }

    fn psql_command(&self, db: &str, application_name: &str, options: &str) -> Command {
        let mut conninfo = format!("dbname={db} application_name={application_name}");
        if !options.is_empty() {
            conninfo.push_str(&format!(
                " options='{}'",
                options.replace('\\', "\\\\").replace('\'', "\\'")
            ));
        }
        let args: Vec<String> = [
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            &self.dir.to_string_lossy(),
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-d",
            &conninfo,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        self.command(&self.psql, &args)
    }

    /// Runs a script in database `db` and waits for it (at most `timeout`).
    pub fn psql(
        &self,
        db: &str,
        application_name: &str,
        options: &str,
        sql: &str,
        timeout: Duration,
    ) -> Output {
        run(
            self.psql_command(db, application_name, options),
            Some(sql),
            timeout,
        )
    }

    /// Starts a script in the background.
    pub fn psql_background(
        &self,
        db: &str,
        application_name: &str,
        options: &str,
        sql: &str,
    ) -> Result<Background, String> {
        Background::spawn(self.psql_command(db, application_name, options), Some(sql))
    }

    /// A libpq-style connection string for database `db` on this cluster (unix socket in
    /// the cluster's directory, its port, the `postgres` superuser, trust authentication),
    /// for clients other than psql.
    pub fn connection_string(&self, db: &str) -> String {
        format!(
            "host={} port={} user=postgres dbname={db}",
            self.dir.display(),
            self.port
        )
    }

    /// A program of the server's bin directory (`pg_dump`, ...).
    pub fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// The port the server listens on (its unix socket, and TCP when setup enabled it).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A short query; its output or the error.
    pub fn query(&self, db: &str, sql: &str) -> Result<String, String> {
        self.psql(db, "locksmith_test", "", sql, Duration::from_secs(30))
            .ok()
    }

    fn stop(&mut self) {
        if !self.started {
            return;
        }
        self.started = false;
        let args: Vec<String> = vec![
            "-D".into(),
            self.data_dir().to_string_lossy().into_owned(),
            "-m".into(),
            "immediate".into(),
            "-w".into(),
            "-t".into(),
            "30".into(),
            "stop".into(),
        ];
        let stopped = run(
            self.command(&self.bindir.join("pg_ctl"), &args),
            None,
            Duration::from_secs(40),
        );
        if !stopped.success {
            // The postmaster we started, by its pid.
            let pid_file = self.data_dir().join("postmaster.pid");
            if let Some(pid) = std::fs::read_to_string(pid_file)
                .ok()
                .and_then(|s| s.lines().next().map(str::trim).map(str::to_string))
                .filter(|p| p.parse::<u32>().is_ok())
            {
                let _ = Command::new("kill").args(["-9", &pid]).status();
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

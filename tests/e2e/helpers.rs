//! Shared test helpers: running the binary against a test database, spawning the app
//! in-process, and supervising a `nexus serve` process with its embedded PostgreSQL.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// The server key the CLI tests run with.
pub const TEST_SECRET_KEY: &str =
    "4e6578757320746573742073656372657420206b657920666f72207465737473";

pub fn keyring() -> auth::Keyring {
    auth::Keyring::new(auth::ServerKey::parse(TEST_SECRET_KEY).expect("test key"))
}

/// A user `login` with an `ak-` key, one OpenAI-compatible upstream key named `mock` at
/// `base_url` (secret `sk-mock-upstream-secret`), and a custom mapping to `mock-small` /
/// `mock-large`. Returns the full key and the user id.
pub async fn user_with_upstream(
    pool: &PgPool,
    login: &str,
    base_url: &str,
) -> (String, uuid::Uuid) {
    let new = store::users::NewUser {
        login: login.into(),
        ..Default::default()
    };
    let user = store::users::create(pool, &new).await.expect("user");
    let (key, _) = keyring()
        .issue(pool, user.id, "default")
        .await
        .expect("key");
    let input = nexus::upstreams::UpstreamInput {
        name: "mock".into(),
        provider: store::upstream_keys::Provider::Openai,
        base_url: base_url.to_owned(),
        secret: "sk-mock-upstream-secret".into(),
        priority: 50,
        weight: 1,
        enabled: true,
    };
    nexus::upstreams::add(pool, &keyring(), user.id, input)
        .await
        .expect("upstream");
    let targets = store::model_mappings::MappingTargets {
        haiku: Some("mock-small".into()),
        sonnet: Some("mock-large".into()),
        opus: Some("mock-large".into()),
        other: None,
    };
    store::model_mappings::set_custom(pool, user.id, &targets)
        .await
        .expect("mapping");
    (key.expose().to_owned(), user.id)
}

/// The URL of the per-test database behind `pool`: the harness's `DATABASE_URL` with the
/// database name replaced.
pub async fn database_url(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("select current_database()::text")
        .fetch_one(pool)
        .await
        .expect("current_database");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set by scripts/test.sh");
    let mut url = url::Url::parse(&base).expect("DATABASE_URL parses");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A `nexus` command with a clean environment: none of the caller's Nexus settings leak in.
pub fn nexus() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nexus"));
    for (name, _) in std::env::vars() {
        if name.starts_with("NEXUS_")
            || name.starts_with("GITHUB_")
            || name == "DATABASE_URL"
            || name == "RUST_LOG"
        {
            cmd.env_remove(name);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs the CLI against a test database.
pub struct Cli {
    pub database_url: String,
    pub envs: Vec<(String, String)>,
}

impl Cli {
    pub async fn new(pool: &PgPool) -> Self {
        Self {
            database_url: database_url(pool).await,
            envs: Vec::new(),
        }
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.envs.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = nexus();
        cmd.env("DATABASE_URL", &self.database_url)
            .env("NEXUS_SECRET_KEY", TEST_SECRET_KEY);
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)));
        cmd.args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run nexus")
    }

    /// Runs with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nexus");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        expect_ok(args, &self.run(args))
    }

    /// Runs off the test's runtime thread, so servers on that runtime (mock upstreams) can
    /// answer the command meanwhile. Returns the output.
    pub async fn run_async(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(args);
        tokio::task::spawn_blocking(move || cmd.output().expect("run nexus"))
            .await
            .expect("join")
    }

    /// Runs and expects failure; returns stderr, which must be one line.
    pub fn fails(&self, args: &[&str]) -> String {
        expect_failure(args, &self.run(args))
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("valid JSON output")
    }
}

pub fn expect_ok(args: &[&str], out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "nexus {args:?} failed: {stderr}\n{stdout}"
    );
    stdout
}

pub fn expect_failure(args: &[&str], out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert!(!out.status.success(), "nexus {args:?} should have failed");
    assert!(
        stderr.starts_with("error: "),
        "nexus {args:?}: unexpected stderr {stderr:?}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "nexus {args:?}: not one line: {stderr:?}"
    );
    stderr
}

/// The app in-process on a random port, as the server builds it.
pub struct TestApp {
    pub address: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _spool: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, &[]).await
    }

    /// With extra command-line options, e.g. `["--max-body-bytes", "2048"]`.
    /// Unless the options name one, the public URL is the address it listens on, so links
    /// and OAuth redirects it makes lead back to it (what a real browser follows).
    pub async fn spawn_with(pool: PgPool, options: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let public = if options.contains(&"--public-url") {
            vec![]
        } else {
            vec!["--public-url", address.as_str()]
        };
        let args = ["nexus", "--secret-key", TEST_SECRET_KEY]
            .into_iter()
            .chain(public)
            .chain(options.iter().copied());
        let cli = <nexus::cli::Cli as clap::Parser>::try_parse_from(args).expect("config");
        // A spool of its own: never replays another test's rows into this database.
        let spool = tempfile::tempdir().expect("spool dir");
        let options = nexus::log_writer::WriterOptions::new(spool.path().to_owned());
        let (logs, _writer) = nexus::log_writer::LogWriter::spawn(pool.clone(), options);
        let state =
            nexus::app::AppState::new(pool.clone(), cli.config.normalized(), keyring(), logs);
        tokio::spawn(nexus::gateway::pool::flush_periodically(
            state.pools.clone(),
            pool.clone(),
        ));
        tokio::spawn(nexus::key_usage::flush_periodically(
            state.key_usage.clone(),
            pool,
        ));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = nexus::app::router(state);
        tokio::spawn(nexus::app::serve(
            listener,
            router,
            async move {
                let _ = rx.await;
            },
            Duration::from_secs(5),
        ));
        Self {
            address,
            shutdown: Some(tx),
            _spool: spool,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A free port on 127.0.0.1 (the listener is closed before the server binds it).
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A `nexus serve` process on the embedded database of `data_dir`. Dropping it kills the
/// server and any PostgreSQL left in the data folder, so a failing test leaves nothing.
pub struct Server {
    pub child: Option<Child>,
    pub data_dir: PathBuf,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    pub fn start(data_dir: &Path) -> Self {
        let port = free_port();
        let log = data_dir.with_extension(format!("server-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = nexus()
            .env("NEXUS_DATA_DIR", data_dir)
            .env("NEXUS_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "debug")
            .stdout(log_file.try_clone().expect("clone"))
            .stderr(log_file)
            .spawn()
            .expect("spawn nexus serve");
        let mut server = Self {
            child: Some(child),
            data_dir: data_dir.to_owned(),
            port,
            log,
        };
        server.wait_healthy();
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().expect("try_wait"))
            {
                panic!("nexus exited early ({status}):\n{}", self.log_text());
            }
            if let Ok((200, _)) = get(&self.url("/health")) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nexus never became healthy:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(&mut self) {
        let mut child = self.child.take().expect("running");
        signal(child.id() as i32, nix::sys::signal::Signal::SIGTERM);
        let status =
            wait_timeout(&mut child, Duration::from_secs(60)).expect("nexus did not stop in time");
        assert!(
            status.success(),
            "nexus exited with {status}:\n{}",
            self.log_text()
        );
    }

    /// SIGKILL: a crash, leaving whatever it ran behind.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        kill_postmaster(&self.data_dir);
    }
}

/// Stops whatever PostgreSQL runs in `data_dir` at once (SIGQUIT: immediate shutdown).
pub fn kill_postmaster(data_dir: &Path) {
    if let Some(pid) = postmaster_pid(data_dir) {
        signal(pid, nix::sys::signal::Signal::SIGQUIT);
        let deadline = Instant::now() + Duration::from_secs(20);
        while process_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The pid in the cluster's `postmaster.pid`, if the file exists.
pub fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// Whether a process runs (a zombie no longer does).
pub fn process_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

/// No PostgreSQL runs for `data_dir`: no pid file, and no live postmaster from before.
pub fn assert_no_postgres(data_dir: &Path, previous_pid: Option<i32>) {
    if let Some(pid) = previous_pid {
        let deadline = Instant::now() + Duration::from_secs(10);
        while process_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!process_alive(pid), "postmaster {pid} still runs");
    }
    assert!(
        postmaster_pid(data_dir).is_none(),
        "postmaster.pid still exists in {}",
        data_dir.display()
    );
}

pub fn signal(pid: i32, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A blocking GET returning status and body (for use outside async tests).
pub fn get(url: &str) -> Result<(u16, String), String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client.get(url).send().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    Ok((status, response.text().map_err(|e| e.to_string())?))
}

/// A temporary data folder that PostgreSQL's system user can reach when we are root.
pub fn temp_data_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("nexus-e2e-")
        .tempdir()
        .expect("tempdir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = tmp.path().join("data");
    (tmp, data)
}

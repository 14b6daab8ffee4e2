//! The embedded PostgreSQL: `nexus` with no DATABASE_URL, as a newcomer runs it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::helpers::{
    Server, assert_no_postgres, expect_ok, get, kill_postmaster, nexus, postmaster_pid,
    process_alive, signal, temp_data_dir,
};

const UPSTREAM_SECRET: &str = "sk-embedded-upstream-secret-42";

/// The CLI on the embedded database of `data_dir`.
fn cli(data_dir: &Path, args: &[&str]) -> String {
    let out = nexus()
        .env("NEXUS_DATA_DIR", data_dir)
        .args(args)
        .output()
        .expect("run nexus");
    expect_ok(args, &out)
}

/// Checks `key` against the embedded database with the key in the data folder, as the
/// server's authentication does.
fn authenticates(data_dir: &Path, key: &str) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server_key =
            auth::load_or_create_key_file(&data_dir.join("secret.key")).expect("key file");
        let options = sqlx::postgres::PgConnectOptions::new()
            .socket(data_dir.join("postgres"))
            .port(5432)
            .username("nexus")
            .database("nexus");
        let pool = sqlx::PgPool::connect_with(options)
            .await
            .expect("connect to the embedded database");
        let owner = auth::Keyring::new(server_key)
            .authenticate(&pool, key)
            .await
            .expect("authenticate");
        pool.close().await;
        owner.map(|o| o.login)
    })
}

#[test]
fn start_stop_restart_keeps_data_and_leaves_nothing_running() {
    let (_tmp, data) = temp_data_dir();
    let mut server = Server::start(&data);
    let (status, body) = get(&server.url("/health")).expect("health");
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(health["database"]["reachable"], true);

    // First run: the secret key was generated, private.
    let mode = std::fs::metadata(data.join("secret.key"))
        .expect("secret.key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let secret_key_text = std::fs::read_to_string(data.join("secret.key"))
        .expect("read")
        .trim()
        .to_owned();

    // CLI commands work while the server runs, and leave its database running.
    cli(&data, &["user", "add", "alice"]);
    cli(
        &data,
        &[
            "upstream",
            "add",
            "alice",
            "--name",
            "main",
            "--provider",
            "openai",
            "--base-url",
            "https://api.openai.com/v1",
            "--api-key",
            UPSTREAM_SECRET,
        ],
    );
    let key = cli(&data, &["key", "show", "alice"]).trim().to_owned();
    assert!(key.starts_with("ak-"), "{key}");
    assert_eq!(
        get(&server.url("/health")).expect("health").0,
        200,
        "the CLI must not stop the server's database"
    );
    assert_eq!(authenticates(&data, &key).as_deref(), Some("alice"));

    // A request carrying the key: headers are never logged.
    let client = reqwest::blocking::Client::new();
    let response = client
        .get(server.url("/health"))
        .header("x-api-key", &key)
        .bearer_auth(&key)
        .send()
        .expect("get");
    assert_eq!(response.status(), 200);

    let pid = postmaster_pid(&data);
    assert!(pid.is_some_and(process_alive));
    server.stop();
    assert_no_postgres(&data, pid);

    // With no server running, the CLI starts the database, and stops it again.
    assert_eq!(cli(&data, &["key", "show", "alice"]).trim(), key);
    assert_no_postgres(&data, None);

    // Restart: same data, same key, same secret key file.
    let mut server = Server::start(&data);
    assert_eq!(authenticates(&data, &key).as_deref(), Some("alice"));
    assert!(cli(&data, &["upstream", "list", "alice"]).contains("main"));
    let pid = postmaster_pid(&data);
    let log = server.log_text();
    server.stop();
    assert_no_postgres(&data, pid);
    let log = log + &server.log_text();
    assert!(log.contains("DEBUG"), "the server ran with debug logs");
    assert_eq!(
        std::fs::read_to_string(data.join("secret.key"))
            .expect("read")
            .trim(),
        secret_key_text
    );
    for secret in [
        key.as_str(),
        &key[3..],
        UPSTREAM_SECRET,
        secret_key_text.as_str(),
    ] {
        assert!(!log.contains(secret), "a secret appears in the server log");
    }
}

#[test]
fn recovers_after_a_crash() {
    let (_tmp, data) = temp_data_dir();
    let mut server = Server::start(&data);
    cli(&data, &["user", "add", "alice"]);
    let key = cli(&data, &["key", "show", "alice"]).trim().to_owned();

    // kill -9 of Nexus and of its PostgreSQL: pid and socket lock files stay behind.
    let postmaster = postmaster_pid(&data).expect("running");
    server.kill();
    signal(postmaster, Signal::SIGKILL);
    while process_alive(postmaster) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        data.join("postgres/postmaster.pid").exists(),
        "the crash left its pid file"
    );

    let mut server = Server::start(&data);
    assert_eq!(authenticates(&data, &key).as_deref(), Some("alice"));
    assert!(cli(&data, &["user", "list"]).contains("alice"));

    // Nexus killed alone: its PostgreSQL keeps running and the next start adopts it.
    let postmaster = postmaster_pid(&data).expect("running");
    server.kill();
    assert!(process_alive(postmaster));
    let mut server = Server::start(&data);
    assert_eq!(
        postmaster_pid(&data),
        Some(postmaster),
        "the running cluster was adopted"
    );
    server.stop();
    assert_no_postgres(&data, Some(postmaster));

    // A stale pid file whose pid now belongs to another process (here: this test).
    std::fs::write(
        data.join("postgres/postmaster.pid"),
        format!("{}\n{}\n", std::process::id(), data.display()),
    )
    .expect("write pid file");
    let mut server = Server::start(&data);
    assert!(cli(&data, &["user", "list"]).contains("alice"));
    let pid = postmaster_pid(&data);
    assert_ne!(pid, Some(std::process::id() as i32));
    server.stop();
    assert_no_postgres(&data, pid);
}

#[test]
fn health_is_503_when_the_embedded_database_dies() {
    let (_tmp, data) = temp_data_dir();
    let mut server = Server::start(&data);
    let postmaster = postmaster_pid(&data).expect("running");
    kill_postmaster(&data);
    assert!(!process_alive(postmaster));
    let (status, body) = get(&server.url("/health")).expect("health answers");
    assert_eq!(status, 503, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(health["database"]["reachable"], false);
    // Stopping still works with the database gone.
    server.stop();
    assert_no_postgres(&data, Some(postmaster));
}

#[test]
fn data_folder_the_database_user_cannot_reach_is_explained() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let data = tmp.path().join("data");
    let out = nexus()
        .env("NEXUS_DATA_DIR", &data)
        .args(["user", "list"])
        .output()
        .expect("run");
    if nix::unistd::Uid::effective().is_root() {
        // As root the cluster runs as an unprivileged user, who cannot enter a 0700 folder.
        let err = crate::helpers::expect_failure(&["user", "list"], &out);
        assert!(
            err.contains("cannot enter") && err.contains("NEXUS_DATA_DIR"),
            "{err}"
        );
        assert!(!data.join("postgres").exists());
    } else {
        // As a normal user the cluster is ours, and our own private folder is fine.
        expect_ok(&["user", "list"], &out);
        assert_no_postgres(&data, None);
    }
}

/// As root, runs the binary as the unprivileged `postgres` user, so the path where the
/// cluster belongs to the current user is exercised too. As a normal user that is what
/// every other test does already, and this one checks the files are ours.
#[test]
fn works_as_a_normal_user() {
    let (tmp, data) = temp_data_dir();
    let cmd_for = |args: &[&str]| {
        let mut cmd = nexus();
        cmd.env("NEXUS_DATA_DIR", &data).args(args);
        if nix::unistd::Uid::effective().is_root() {
            use std::os::unix::process::CommandExt;
            let user = nix::unistd::User::from_name("postgres")
                .expect("lookup")
                .expect("postgres user exists");
            std::os::unix::fs::chown(tmp.path(), Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                .expect("chown");
            // The binary may sit under a folder that user cannot enter: give it a copy.
            let copy = tmp.path().join("nexus");
            if !copy.exists() {
                std::fs::copy(env!("CARGO_BIN_EXE_nexus"), &copy).expect("copy binary");
            }
            cmd = std::process::Command::new(&copy);
            cmd.env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("NEXUS_DATA_DIR", &data)
                .args(args)
                .current_dir(tmp.path())
                .uid(user.uid.as_raw())
                .gid(user.gid.as_raw());
        }
        cmd.output().expect("run")
    };
    expect_ok(&["user", "add"], &cmd_for(&["user", "add", "erin"]));
    let key = expect_ok(&["key", "show"], &cmd_for(&["key", "show", "erin"]));
    assert!(key.trim().starts_with("ak-"));
    assert_no_postgres(&data, None);
    let pg_version = std::fs::metadata(data.join("postgres/PG_VERSION")).expect("cluster");
    let data_owner = std::fs::metadata(&data).expect("data");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        pg_version.uid(),
        data_owner.uid(),
        "the cluster belongs to the user running Nexus"
    );
}

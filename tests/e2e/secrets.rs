//! No secret in any output: CLI output, error messages, logs (at trace level) and --help.

use sqlx::PgPool;

use crate::helpers::{Cli, TEST_SECRET_KEY, nexus};

const UPSTREAM_SECRET: &str = "sk-do-not-print-0123456789abcdef";

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn cli_output_and_logs_hold_no_secret(pool: PgPool) {
    let cli = Cli::new(&pool).await.env("RUST_LOG", "trace");
    let mut everything = String::new();
    let mut record = |out: std::process::Output| {
        everything.push_str(&String::from_utf8_lossy(&out.stdout));
        everything.push_str(&String::from_utf8_lossy(&out.stderr));
    };
    record(cli.run(&["user", "add", "alice"]));
    let key_out = cli.run(&["key", "show", "alice"]);
    let ak_key = String::from_utf8_lossy(&key_out.stdout).trim().to_owned();
    assert!(ak_key.starts_with("ak-"));
    // `key show` prints the key on stdout, on purpose, and nothing else anywhere.
    assert!(!String::from_utf8_lossy(&key_out.stderr).contains(&ak_key));
    for args in [
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
        ][..],
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
        &[
            "upstream",
            "add",
            "alice",
            "--name",
            "bad",
            "--provider",
            "openai",
            "--base-url",
            "nope",
            "--api-key",
            UPSTREAM_SECRET,
        ],
        &[
            "upstream",
            "update",
            "alice",
            "main",
            "--api-key",
            UPSTREAM_SECRET,
            "--weight",
            "0",
        ],
        &["upstream", "list", "alice"],
        &["upstream", "list", "alice", "--json"],
        &["user", "list", "--json"],
        &["mapping", "show", "alice"],
        &["key", "regenerate", "nobody"],
    ] {
        record(cli.run(args));
    }
    assert!(
        everything.contains("TRACE")
            || everything.contains("DEBUG")
            || everything.contains("added upstream key")
    );
    for secret in [UPSTREAM_SECRET, &ak_key, TEST_SECRET_KEY, &ak_key[3..]] {
        assert!(
            !everything.contains(secret),
            "secret {}… leaked:\n{everything}",
            &secret[..6]
        );
    }
}

#[test]
fn help_never_shows_secret_values() {
    let out = nexus()
        .env("NEXUS_SECRET_KEY", TEST_SECRET_KEY)
        .env("DATABASE_URL", "postgres://nexus:db-password-xyz@db/nexus")
        .env("GITHUB_CLIENT_SECRET", "gh-client-secret-xyz")
        .env("GITHUB_CLIENT_ID", "visible-client-id")
        .arg("--help")
        .output()
        .expect("run");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for name in [
        "NEXUS_SECRET_KEY",
        "DATABASE_URL",
        "GITHUB_CLIENT_SECRET",
        "NEXUS_LISTEN",
        "NEXUS_DATA_DIR",
        "NEXUS_PUBLIC_URL",
        "NEXUS_LOG_RETENTION_DAYS",
        "NEXUS_ALLOW_PRIVATE_UPSTREAMS",
        "NEXUS_ADMIN_LOGINS",
        "GITHUB_CLIENT_ID",
        "GITHUB_AUTHORIZE_URL",
        "GITHUB_TOKEN_URL",
        "GITHUB_API_URL",
        "NEXUS_DEFAULT_HAIKU",
        "NEXUS_DEFAULT_SONNET",
        "NEXUS_DEFAULT_OPUS",
        "NEXUS_DEFAULT_OTHER",
    ] {
        assert!(help.contains(name), "--help does not document {name}");
    }
    for secret in [TEST_SECRET_KEY, "db-password-xyz", "gh-client-secret-xyz"] {
        assert!(!help.contains(secret), "--help shows a secret");
    }
    assert!(
        help.contains("visible-client-id"),
        "non-secret values are still shown"
    );
}

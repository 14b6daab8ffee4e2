use sqlx::PgPool;

use crate::helpers::{Cli, TEST_SECRET_KEY, expect_failure, nexus};

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn migrate_is_idempotent(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    assert!(cli.ok(&["migrate"]).contains("up to date"));
    assert!(cli.ok(&["migrate"]).contains("up to date"));
}

#[test]
fn invalid_configuration_gets_one_clear_line() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("DATABASE_URL", "postgres://u:pw-in-url@127.0.0.1:1/x")],
            "NEXUS_SECRET_KEY is required with DATABASE_URL",
        ),
        (
            &[("NEXUS_SECRET_KEY", "too-short-secret")],
            "NEXUS_SECRET_KEY must be 32 bytes",
        ),
        (
            &[("NEXUS_PUBLIC_URL", "ftp://nexus.example.com")],
            "NEXUS_PUBLIC_URL must be an http or https URL",
        ),
        (
            &[("GITHUB_CLIENT_ID", "abc")],
            "set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET",
        ),
        (
            &[("NEXUS_ADMIN_LOGINS", "ok,bad login")],
            "NEXUS_ADMIN_LOGINS",
        ),
        (
            &[("NEXUS_DEFAULT_OPUS", " ")],
            "NEXUS_DEFAULT_OPUS must not be empty",
        ),
        (
            &[
                ("DATABASE_URL", "mysql:://nope"),
                ("NEXUS_SECRET_KEY", TEST_SECRET_KEY),
            ],
            "DATABASE_URL must start with postgres://",
        ),
    ];
    for (envs, expected) in cases {
        let out = nexus()
            .envs(envs.iter().copied())
            .args(["user", "list"])
            .output()
            .expect("run");
        let err = expect_failure(&["user", "list"], &out);
        assert!(err.contains(expected), "{envs:?}: {err}");
        for secret in ["pw-in-url", "too-short-secret"] {
            assert!(
                !err.contains(secret),
                "{envs:?}: a secret was echoed: {err}"
            );
        }
    }
    // Empty values, as compose files and .env files write them, mean "unset".
    let out = nexus()
        .envs([
            ("GITHUB_CLIENT_ID", ""),
            ("GITHUB_CLIENT_SECRET", ""),
            ("NEXUS_ADMIN_LOGINS", ""),
            ("NEXUS_PUBLIC_URL", ""),
            ("NEXUS_DEFAULT_OTHER", ""),
            ("NEXUS_SECRET_KEY", ""),
            ("DATABASE_URL", ""),
        ])
        .args(["--help"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = nexus()
        .envs([
            ("GITHUB_CLIENT_ID", ""),
            ("NEXUS_ADMIN_LOGINS", ""),
            ("NEXUS_PUBLIC_URL", ""),
        ])
        .env("NEXUS_DATA_DIR", tmp.path().join("d"))
        .env("NEXUS_POSTGRES_BIN", tmp.path())
        .args(["user", "list"])
        .output()
        .expect("run");
    // Validation passes; it fails later, on the (deliberately empty) PostgreSQL folder.
    let err = expect_failure(&["user", "list"], &out);
    assert!(err.contains("does not contain initdb"), "{err}");
    // clap's own checks name the variable.
    let out = nexus()
        .env("NEXUS_LOG_RETENTION_DAYS", "0")
        .args(["user", "list"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("log-retention-days"));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn unreachable_database_is_reported_without_its_password(pool: PgPool) {
    drop(pool);
    let out = nexus()
        .env(
            "DATABASE_URL",
            "postgres://nexus:hunter2-secret@127.0.0.1:1/nexus",
        )
        .env("NEXUS_SECRET_KEY", TEST_SECRET_KEY)
        .args(["user", "list"])
        .output()
        .expect("run");
    let err = expect_failure(&["user", "list"], &out);
    assert!(
        err.contains("could not connect to postgres://nexus:***@127.0.0.1:1/nexus"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

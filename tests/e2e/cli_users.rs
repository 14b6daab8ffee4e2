use sqlx::PgPool;

use crate::helpers::{Cli, keyring};

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn add_list_disable_enable_and_promote(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    let out = cli.ok(&["user", "add", "alice"]);
    assert!(out.contains("created user alice"), "{out}");
    cli.ok(&[
        "user",
        "add",
        "bob",
        "--admin",
        "--name",
        "Bob B",
        "--email",
        "bob@example.com",
    ]);

    let text = cli.ok(&["user", "list"]);
    assert!(
        text.lines().next().is_some_and(|h| h.starts_with("LOGIN")),
        "{text}"
    );
    assert!(text.contains("alice") && text.contains("bob"), "{text}");
    let list = cli.json(&["user", "list"]);
    let users = list.as_array().expect("array");
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["login"], "alice");
    assert_eq!(users[0]["is_admin"], false);
    assert_eq!(users[1]["is_admin"], true);
    assert_eq!(users[1]["email"], "bob@example.com");
    assert!(users[0].get("password_hash").is_none());

    // Disabling stops the user's key; enabling brings it back.
    let key = cli.ok(&["key", "show", "alice"]).trim().to_owned();
    assert!(
        keyring()
            .authenticate(&pool, &key)
            .await
            .expect("auth")
            .is_some()
    );
    assert!(
        cli.ok(&["user", "disable", "ALICE"])
            .contains("alice is disabled")
    );
    assert!(
        keyring()
            .authenticate(&pool, &key)
            .await
            .expect("auth")
            .is_none()
    );
    let alice = &cli.json(&["user", "list"])[0];
    assert!(alice["disabled_at"].is_string());
    assert!(cli.ok(&["user", "list"]).contains("disabled"));
    cli.ok(&["user", "enable", "alice"]);
    assert!(
        keyring()
            .authenticate(&pool, &key)
            .await
            .expect("auth")
            .is_some()
    );
    assert!(cli.json(&["user", "list"])[0]["disabled_at"].is_null());

    assert!(
        cli.ok(&["user", "admin", "alice"])
            .contains("alice is now an administrator")
    );
    assert_eq!(cli.json(&["user", "list"])[0]["is_admin"], true);
    cli.ok(&["user", "admin", "alice", "--revoke"]);
    assert_eq!(cli.json(&["user", "list"])[0]["is_admin"], false);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn bad_input_changes_nothing(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    cli.ok(&["user", "add", "alice"]);
    let err = cli.fails(&["user", "add", "Alice"]);
    assert!(err.contains("a user named Alice already exists"), "{err}");
    let err = cli.fails(&["user", "add", "not valid"]);
    assert!(err.contains("invalid login"), "{err}");
    for args in [
        &["user", "disable", "nobody"][..],
        &["user", "enable", "nobody"],
        &["user", "admin", "nobody"],
        &["key", "show", "nobody"],
        &["upstream", "list", "nobody"],
        &["mapping", "show", "nobody"],
    ] {
        let err = cli.fails(args);
        assert!(err.contains("no user named nobody"), "{args:?}: {err}");
    }
    assert_eq!(
        cli.json(&["user", "list"]).as_array().expect("array").len(),
        1
    );
    let keys: i64 = sqlx::query_scalar("select count(*) from api_keys")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(keys, 1, "a failed add must not leave a key behind");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn password_from_stdin_is_hashed_with_argon2(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    let out = cli.run_with_stdin(
        &["user", "add", "carol", "--password"],
        "correct horse battery\n",
    );
    crate::helpers::expect_ok(&["user", "add", "carol", "--password"], &out);
    let hash: String = sqlx::query_scalar("select password_hash from users where login = 'carol'")
        .fetch_one(&pool)
        .await
        .expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(auth::verify_password("correct horse battery", &hash));
    assert!(!auth::verify_password("correct horse", &hash));
    assert!(cli.ok(&["user", "list"]).contains("local"));

    let out = cli.run_with_stdin(&["user", "add", "dave", "--password"], "short\n");
    let err = crate::helpers::expect_failure(&["user", "add", "dave", "--password"], &out);
    assert!(err.contains("at least 8 characters"), "{err}");
    assert_eq!(
        cli.json(&["user", "list"]).as_array().expect("array").len(),
        1
    );
}

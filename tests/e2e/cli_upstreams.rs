use sqlx::PgPool;

use crate::helpers::{Cli, keyring};

const SECRET: &str = "sk-upstream-secret-0123456789";

fn count(cli: &Cli) -> usize {
    cli.json(&["upstream", "list", "alice"])
        .as_array()
        .expect("array")
        .len()
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn add_list_update_enable_disable_remove(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    cli.ok(&["user", "add", "alice"]);
    assert!(
        cli.ok(&["upstream", "list", "alice"])
            .contains("has no upstream keys")
    );

    let out = cli.ok(&[
        "upstream",
        "add",
        "alice",
        "--name",
        "deepseek",
        "--provider",
        "openai",
        "--base-url",
        "https://api.deepseek.com/v1/",
        "--api-key",
        SECRET,
        "--priority",
        "90",
        "--weight",
        "3",
    ]);
    assert!(out.contains("added upstream key deepseek"), "{out}");
    cli.ok(&[
        "upstream",
        "add",
        "alice",
        "--name",
        "gem",
        "--provider",
        "gemini",
        "--base-url",
        "https://generativelanguage.googleapis.com",
        "--api-key",
        "AIza-other-secret-1234",
        "--disabled",
    ]);
    // The secret may also come from stdin.
    let out = cli.run_with_stdin(
        &[
            "upstream",
            "add",
            "alice",
            "--name",
            "claude",
            "--provider",
            "anthropic",
            "--base-url",
            "https://api.anthropic.com",
            "--api-key",
            "-",
        ],
        "sk-ant-from-stdin-987654\n",
    );
    crate::helpers::expect_ok(&["upstream", "add"], &out);

    let keys = cli.json(&["upstream", "list", "alice"]);
    let keys = keys.as_array().expect("array");
    assert_eq!(keys.len(), 3);
    let deepseek = &keys[0];
    assert_eq!(deepseek["name"], "deepseek");
    assert_eq!(deepseek["provider"], "openai");
    assert_eq!(deepseek["base_url"], "https://api.deepseek.com/v1");
    assert_eq!(deepseek["priority"], 90);
    assert_eq!(deepseek["weight"], 3);
    assert_eq!(deepseek["enabled"], true);
    assert_eq!(deepseek["secret_hint"], "…6789");
    assert_eq!(deepseek["total_requests"], 0);
    let gem = keys.iter().find(|k| k["name"] == "gem").expect("gem");
    assert_eq!(gem["enabled"], false);
    assert_eq!(gem["priority"], 50);
    assert_eq!(gem["weight"], 1);

    let text = cli.ok(&["upstream", "list", "alice"]);
    assert!(
        text.contains("deepseek") && text.contains("disabled") && text.contains("…6789"),
        "{text}"
    );

    // Stored encrypted; decrypts to what was given.
    let user = store::users::by_login(&pool, "alice").await.expect("user");
    let stored = store::upstream_keys::by_name(&pool, user.id, "claude")
        .await
        .expect("key");
    let plain = keyring()
        .secret_box()
        .decrypt_string(
            auth::Purpose::UpstreamSecret,
            stored.id,
            &stored.secret_encrypted,
        )
        .expect("decrypt");
    assert_eq!(plain, "sk-ant-from-stdin-987654");

    cli.ok(&[
        "upstream",
        "update",
        "alice",
        "deepseek",
        "--priority",
        "10",
        "--weight",
        "100",
        "--base-url",
        "https://api.deepseek.com",
        "--name",
        "ds",
        "--api-key",
        "sk-rotated-secret-abcdef",
    ]);
    let ds = store::upstream_keys::by_name(&pool, user.id, "ds")
        .await
        .expect("renamed");
    assert_eq!((ds.priority, ds.weight), (10, 100));
    assert_eq!(ds.base_url, "https://api.deepseek.com");
    assert_eq!(ds.secret_hint, "…cdef");
    let plain = keyring()
        .secret_box()
        .decrypt_string(auth::Purpose::UpstreamSecret, ds.id, &ds.secret_encrypted)
        .expect("decrypt");
    assert_eq!(plain, "sk-rotated-secret-abcdef");
    // Options not given stay as they were.
    cli.ok(&[
        "upstream",
        "update",
        "alice",
        "ds",
        "--provider",
        "anthropic",
    ]);
    let ds = store::upstream_keys::by_name(&pool, user.id, "ds")
        .await
        .expect("key");
    assert_eq!(ds.provider, store::upstream_keys::Provider::Anthropic);
    assert_eq!((ds.priority, ds.weight), (10, 100));

    assert!(
        cli.ok(&["upstream", "disable", "alice", "ds"])
            .contains("disabled")
    );
    assert!(
        !store::upstream_keys::by_name(&pool, user.id, "ds")
            .await
            .expect("key")
            .enabled
    );
    cli.ok(&["upstream", "enable", "alice", "ds"]);
    assert!(
        store::upstream_keys::by_name(&pool, user.id, "ds")
            .await
            .expect("key")
            .enabled
    );

    cli.ok(&["upstream", "remove", "alice", "ds"]);
    assert_eq!(count(&cli), 2);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn bad_input_is_refused_and_changes_nothing(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    cli.ok(&["user", "add", "alice"]);
    // A valid `upstream add`, with some options replaced.
    let add = |changes: &[&str]| {
        let mut args: Vec<String> = [
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
            SECRET,
        ]
        .map(str::to_owned)
        .to_vec();
        for pair in changes.chunks(2) {
            match args.iter().position(|a| a == pair[0]) {
                Some(i) => args[i + 1] = pair[1].to_owned(),
                None => args.extend(pair.iter().map(|s| (*s).to_owned())),
            }
        }
        args
    };
    cli.ok(&as_refs(&add(&[])));

    let cases: Vec<(Vec<String>, &str)> = vec![
        (add(&[]), "an upstream key named main already exists"),
        (
            add(&["--name", "x", "--priority", "101"]),
            "priority must be between 0 and 100",
        ),
        (
            add(&["--name", "x", "--priority", "-1"]),
            "priority must be between 0 and 100",
        ),
        (
            add(&["--name", "x", "--weight", "0"]),
            "weight must be between 1 and 100",
        ),
        (
            add(&["--name", "x", "--weight", "101"]),
            "weight must be between 1 and 100",
        ),
        (
            add(&["--name", "x", "--base-url", "not a url"]),
            "not a valid URL",
        ),
        (
            add(&["--name", "x", "--base-url", "ftp://files.example.com"]),
            "http:// or https://",
        ),
        (
            add(&["--name", "x", "--provider", "azure"]),
            "unknown provider",
        ),
        (add(&["--name", "x", "--api-key", " "]), "must not be empty"),
    ];
    for (args, expected) in &cases {
        let err = cli.fails(&as_refs(args));
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains(SECRET), "the secret leaked into {err}");
    }
    let err = cli.fails(&[
        "upstream",
        "add",
        "nobody",
        "--name",
        "y",
        "--provider",
        "openai",
        "--base-url",
        "https://api.openai.com",
        "--api-key",
        SECRET,
    ]);
    assert!(err.contains("no user named nobody"), "{err}");
    assert_eq!(count(&cli), 1);

    cli.ok(&[
        "upstream",
        "add",
        "alice",
        "--name",
        "second",
        "--provider",
        "openai",
        "--base-url",
        "https://api.openai.com",
        "--api-key",
        SECRET,
    ]);
    for (args, expected) in [
        (
            &["upstream", "update", "alice", "second", "--name", "main"][..],
            "already exists",
        ),
        (
            &["upstream", "update", "alice", "second", "--priority", "500"],
            "priority must be between",
        ),
        (
            &[
                "upstream",
                "update",
                "alice",
                "second",
                "--base-url",
                "nope",
            ],
            "not a valid URL",
        ),
        (
            &["upstream", "update", "alice", "missing", "--priority", "5"],
            "no upstream key named missing",
        ),
        (
            &["upstream", "remove", "alice", "missing"],
            "no upstream key named missing",
        ),
        (
            &["upstream", "enable", "alice", "missing"],
            "no upstream key named missing",
        ),
        (
            &["upstream", "disable", "alice", "missing"],
            "no upstream key named missing",
        ),
    ] {
        let err = cli.fails(args);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let keys = cli.json(&["upstream", "list", "alice"]);
    let second = keys
        .as_array()
        .expect("array")
        .iter()
        .find(|k| k["name"] == "second")
        .expect("unchanged");
    assert_eq!(second["priority"], 50);
    assert_eq!(second["base_url"], "https://api.openai.com");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn users_do_not_see_each_others_keys(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    cli.ok(&["user", "add", "alice"]);
    cli.ok(&["user", "add", "bob"]);
    cli.ok(&[
        "upstream",
        "add",
        "alice",
        "--name",
        "main",
        "--provider",
        "openai",
        "--base-url",
        "https://api.openai.com",
        "--api-key",
        SECRET,
    ]);
    // Same name for another user is fine, and bob's list holds only his.
    cli.ok(&[
        "upstream",
        "add",
        "bob",
        "--name",
        "main",
        "--provider",
        "gemini",
        "--base-url",
        "https://generativelanguage.googleapis.com",
        "--api-key",
        SECRET,
    ]);
    let bobs = cli.json(&["upstream", "list", "bob"]);
    assert_eq!(bobs.as_array().expect("array").len(), 1);
    assert_eq!(bobs[0]["provider"], "gemini");
    cli.ok(&["upstream", "remove", "bob", "main"]);
    assert_eq!(count(&cli), 1, "alice's key survives bob's removal");
}

fn as_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

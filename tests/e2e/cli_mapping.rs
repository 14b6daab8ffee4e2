use sqlx::PgPool;

use crate::helpers::Cli;

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn default_custom_and_reset(pool: PgPool) {
    let cli = Cli::new(&pool)
        .await
        .env("NEXUS_DEFAULT_HAIKU", "sys-haiku")
        .env("NEXUS_DEFAULT_SONNET", "sys-sonnet");
    cli.ok(&["user", "add", "alice"]);

    let shown = cli.json(&["mapping", "show", "alice"]);
    assert_eq!(shown["mode"], "default");
    assert_eq!(shown["effective"]["haiku"], "sys-haiku");
    assert_eq!(shown["effective"]["sonnet"], "sys-sonnet");
    assert_eq!(shown["effective"]["opus"], "gemini-exp-1206");
    assert_eq!(
        shown["effective"]["other"], "sys-sonnet",
        "other follows sonnet by default"
    );
    let text = cli.ok(&["mapping", "show", "alice"]);
    assert!(
        text.contains("default") && text.contains("sys-haiku"),
        "{text}"
    );

    cli.ok(&["mapping", "set", "alice", "--haiku", "deepseek-chat"]);
    let shown = cli.json(&["mapping", "show", "alice"]);
    assert_eq!(shown["mode"], "custom");
    assert_eq!(shown["custom"]["haiku"], "deepseek-chat");
    assert_eq!(shown["effective"]["haiku"], "deepseek-chat");
    assert_eq!(
        shown["effective"]["sonnet"], "sys-sonnet",
        "empty slots fall back to the system"
    );

    let shown = cli.json(&[
        "mapping",
        "set",
        "alice",
        "--sonnet",
        "deepseek-reasoner",
        "--opus",
        "gpt-5",
    ]);
    assert_eq!(
        shown["effective"]["haiku"], "deepseek-chat",
        "earlier targets are kept"
    );
    assert_eq!(shown["effective"]["sonnet"], "deepseek-reasoner");
    assert_eq!(shown["effective"]["opus"], "gpt-5");
    assert_eq!(shown["effective"]["other"], "deepseek-reasoner");
    let shown = cli.json(&[
        "mapping", "set", "alice", "--other", "kimi-k2", "--haiku", "",
    ]);
    assert_eq!(shown["effective"]["other"], "kimi-k2");
    assert_eq!(
        shown["custom"]["haiku"],
        serde_json::Value::Null,
        "empty clears a slot"
    );
    assert_eq!(shown["effective"]["haiku"], "sys-haiku");

    let err = cli.fails(&["mapping", "set", "alice"]);
    assert!(err.contains("at least one of"), "{err}");

    let shown = cli.json(&["mapping", "reset", "alice"]);
    assert_eq!(shown["mode"], "default");
    assert_eq!(shown["effective"]["sonnet"], "sys-sonnet");
    assert_eq!(shown["custom"]["sonnet"], serde_json::Value::Null);
}

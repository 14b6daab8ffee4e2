use sqlx::PgPool;

use crate::helpers::{Cli, keyring};

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn show_and_regenerate(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    cli.ok(&["user", "add", "alice"]);
    let key = cli.ok(&["key", "show", "alice"]).trim().to_owned();
    assert!(key.starts_with("ak-") && key.len() == 46, "{key}");
    assert_eq!(
        cli.ok(&["key", "show", "alice"]).trim(),
        key,
        "show is stable"
    );
    let json = cli.json(&["key", "show", "alice"]);
    assert_eq!(json["key"], key.as_str());
    assert_eq!(json["login"], "alice");

    let owner = keyring()
        .authenticate(&pool, &key)
        .await
        .expect("auth")
        .expect("valid key");
    assert_eq!(owner.login, "alice");

    let new_key = cli.ok(&["key", "regenerate", "alice"]).trim().to_owned();
    assert!(new_key.starts_with("ak-"));
    assert_ne!(new_key, key);
    assert_eq!(cli.ok(&["key", "show", "alice"]).trim(), new_key);
    assert!(
        keyring()
            .authenticate(&pool, &key)
            .await
            .expect("auth")
            .is_none(),
        "old key rejected"
    );
    assert!(
        keyring()
            .authenticate(&pool, &new_key)
            .await
            .expect("auth")
            .is_some()
    );

    // Stored only as a hash and a ciphertext.
    let rows: Vec<(Vec<u8>, Vec<u8>, String)> =
        sqlx::query_as("select key_hash, key_encrypted, prefix from api_keys")
            .fetch_all(&pool)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 2, "the old key is kept, revoked");
    for (hash, encrypted, prefix) in rows {
        for k in [&key, &new_key] {
            assert!(!contains(&hash, k.as_bytes()) && !contains(&encrypted, k.as_bytes()));
        }
        assert_eq!(prefix.len(), 9);
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn a_different_server_key_cannot_use_stored_keys(pool: PgPool) {
    let cli = Cli::new(&pool).await;
    cli.ok(&["user", "add", "alice"]);
    let other = Cli::new(&pool).await.env(
        "NEXUS_SECRET_KEY",
        "0000000000000000000000000000000000000000000000000000000000000001",
    );
    let err = other.fails(&["key", "show", "alice"]);
    assert!(err.contains("could not be decrypted"), "{err}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

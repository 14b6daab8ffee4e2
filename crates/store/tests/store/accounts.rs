//! Users, API keys and upstream keys at the store level.

use sqlx::PgPool;
use store::api_keys::{self, NewApiKey};
use store::upstream_keys::{self, NewUpstreamKey, Provider, UpstreamKeyChanges};
use store::users::{self, NewUser};
use uuid::Uuid;

async fn user(pool: &PgPool, login: &str) -> users::User {
    users::create(
        pool,
        &NewUser {
            login: login.to_owned(),
            ..Default::default()
        },
    )
    .await
    .expect("user")
}

fn api_key(user_id: Uuid, hash: u8) -> NewApiKey {
    NewApiKey {
        id: Uuid::now_v7(),
        user_id,
        name: "default".to_owned(),
        prefix: "ak-abcdef".to_owned(),
        key_hash: vec![hash; 32],
        key_encrypted: vec![1, 2, 3],
    }
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn logins_are_unique_regardless_of_case(pool: PgPool) {
    user(&pool, "Alice").await;
    let err = users::create(
        &pool,
        &NewUser {
            login: "alice".to_owned(),
            ..Default::default()
        },
    )
    .await
    .expect_err("duplicate");
    assert!(matches!(err, store::Error::Conflict(_)), "{err:?}");
    assert_eq!(
        users::by_login(&pool, "ALICE").await.expect("found").login,
        "Alice"
    );
    let gh = NewUser {
        login: "gh1".to_owned(),
        github_id: Some(42),
        ..Default::default()
    };
    users::create(&pool, &gh).await.expect("first");
    let again = NewUser {
        login: "gh2".to_owned(),
        github_id: Some(42),
        ..Default::default()
    };
    assert!(matches!(
        users::create(&pool, &again).await,
        Err(store::Error::Conflict(_))
    ));
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn replacing_a_key_revokes_the_old_one_atomically(pool: PgPool) {
    let alice = user(&pool, "alice").await;
    api_keys::insert(&pool, &api_key(alice.id, 1))
        .await
        .expect("first key");
    assert!(
        matches!(
            api_keys::insert(&pool, &api_key(alice.id, 2)).await,
            Err(store::Error::Conflict(_))
        ),
        "two live keys of one name"
    );
    let mut conn = pool.acquire().await.expect("conn");
    api_keys::replace(&mut conn, &api_key(alice.id, 3))
        .await
        .expect("replace");
    assert!(
        api_keys::owner_by_hash(&pool, &[1; 32])
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        api_keys::owner_by_hash(&pool, &[3; 32])
            .await
            .expect("lookup")
            .expect("live")
            .login,
        "alice"
    );
    let all = api_keys::list(&pool, alice.id).await.expect("list");
    assert_eq!(all.len(), 2);
    assert!(
        all[0].revoked_at.is_none() && all[1].revoked_at.is_some(),
        "live keys first"
    );

    // A failed replacement (hash taken) leaves the current key live.
    let bob = user(&pool, "bob").await;
    api_keys::insert(&pool, &api_key(bob.id, 9))
        .await
        .expect("bob's key");
    let clash = api_key(alice.id, 9);
    assert!(api_keys::replace(&mut conn, &clash).await.is_err());
    assert!(
        api_keys::owner_by_hash(&pool, &[3; 32])
            .await
            .expect("lookup")
            .is_some()
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn upstream_updates_are_partial_and_scoped_to_the_owner(pool: PgPool) {
    let alice = user(&pool, "alice").await;
    let bob = user(&pool, "bob").await;
    let new = NewUpstreamKey {
        id: Uuid::now_v7(),
        user_id: alice.id,
        name: "main".to_owned(),
        provider: Provider::Openai,
        base_url: "https://api.openai.com/v1".to_owned(),
        secret_encrypted: vec![7; 40],
        secret_hint: "…abcd".to_owned(),
        priority: 50,
        weight: 1,
        enabled: true,
    };
    let key = upstream_keys::insert(&pool, &new).await.expect("insert");
    let changes = UpstreamKeyChanges {
        weight: Some(7),
        ..Default::default()
    };
    let updated = upstream_keys::update(&pool, alice.id, key.id, &changes)
        .await
        .expect("update");
    assert_eq!(
        (updated.weight, updated.priority, updated.name.as_str()),
        (7, 50, "main")
    );
    // Bob cannot change Alice's key, even knowing its id.
    let err = upstream_keys::update(&pool, bob.id, key.id, &changes)
        .await
        .expect_err("not bob's");
    assert!(matches!(err, store::Error::NotFound(_)));
    for bad in [
        UpstreamKeyChanges {
            priority: Some(101),
            ..Default::default()
        },
        UpstreamKeyChanges {
            weight: Some(0),
            ..Default::default()
        },
        UpstreamKeyChanges {
            name: Some(" ".to_owned()),
            ..Default::default()
        },
    ] {
        assert!(matches!(
            upstream_keys::update(&pool, alice.id, key.id, &bad).await,
            Err(store::Error::Invalid(_))
        ));
    }
    assert!(matches!(
        upstream_keys::remove(&pool, bob.id, "main").await,
        Err(store::Error::NotFound(_))
    ));
    upstream_keys::remove(&pool, alice.id, "main")
        .await
        .expect("remove");
}

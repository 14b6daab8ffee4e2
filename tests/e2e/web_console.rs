//! The console's key lifecycle, the admin pages, and isolation between users.

use sqlx::PgPool;

use crate::browser::{Browser, assert_redirect, full_key_in, key_status, local_user};
use crate::helpers::TestApp;

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn the_owner_reveals_and_regenerates_the_key(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    // A second Nexus process on the same database.
    let other_process = TestApp::spawn(pool.clone()).await;
    let (user, key) = local_user(&pool, "alice", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;

    let html = browser.get("/console").await.text().await.expect("body");
    assert!(html.contains(&format!("{}…", &key[..9])), "masked");
    assert!(!html.contains(&key), "never in full unasked");
    assert!(html.contains("ANTHROPIC_BASE_URL") && html.contains("set -gx"));
    let revealed = browser.post("/console/key/reveal", &[]).await;
    assert_eq!(revealed.status(), 200);
    assert_eq!(
        revealed.headers().get("cache-control").expect("no-store"),
        "no-store"
    );
    let html = revealed.text().await.expect("body");
    assert!(html.contains(&key), "revealed in full");
    assert!(html.contains(&format!("export ANTHROPIC_API_KEY=&#34;{key}&#34;")));

    // No confirmation, no regeneration.
    let response = browser.post("/console/key/regenerate", &[]).await;
    assert_eq!(response.status(), 400);
    assert_eq!(key_status(&app, &key).await, 200);

    let response = browser
        .post("/console/key/regenerate", &[("confirm", "yes")])
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    let new_key = full_key_in(&html).expect("the new key is shown");
    assert_ne!(new_key, key);
    assert_eq!(key_status(&app, &key).await, 401);
    assert_eq!(key_status(&other_process, &key).await, 401);
    assert_eq!(key_status(&app, &new_key).await, 200);
    assert_eq!(key_status(&other_process, &new_key).await, 200);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn extra_named_keys_can_be_added_used_and_revoked(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, main_key) = local_user(&pool, "bob", None).await;
    let browser = Browser::signed_in(&app, &pool, user).await;
    let response = browser.post("/console/keys", &[("name", "laptop")]).await;
    assert_eq!(response.status(), 200);
    let laptop_key = full_key_in(&response.text().await.expect("body")).expect("shown");
    assert_eq!(key_status(&app, &laptop_key).await, 200);

    let again = browser.post("/console/keys", &[("name", "laptop")]).await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        browser
            .post("/console/keys", &[("name", "default")])
            .await
            .status(),
        400
    );

    let keys = store::api_keys::list(&pool, user).await.expect("keys");
    let laptop = keys.iter().find(|k| k.name == "laptop").expect("laptop");
    let main = keys.iter().find(|k| k.name == "default").expect("main");
    let html = browser.get("/console").await.text().await.expect("body");
    assert!(
        html.contains("laptop") && html.contains("never"),
        "listed with last use"
    );
    let shown = browser
        .post(&format!("/console/keys/{}/reveal", laptop.id), &[])
        .await;
    assert!(shown.text().await.expect("body").contains(&laptop_key));

    // The main key is regenerated, not revoked.
    let response = browser
        .post(&format!("/console/keys/{}/revoke", main.id), &[])
        .await;
    assert_eq!(response.status(), 400);
    assert_redirect(
        &browser
            .post(&format!("/console/keys/{}/revoke", laptop.id), &[])
            .await,
        "/console",
    );
    assert_eq!(key_status(&app, &laptop_key).await, 401);
    assert_eq!(key_status(&app, &main_key).await, 200);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn admin_pages_are_for_admins_and_disabling_stops_keys_and_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (admin, _) = local_user(&pool, "root", None).await;
    store::users::set_admin(&pool, admin, true)
        .await
        .expect("promote");
    let (user, key) = local_user(&pool, "mallory", None).await;
    let admin_browser = Browser::signed_in(&app, &pool, admin).await;
    let user_browser = Browser::signed_in(&app, &pool, user).await;

    assert_eq!(user_browser.get("/admin").await.status(), 403);
    let disable_admin = format!("/admin/users/{admin}/disable");
    assert_eq!(user_browser.post(&disable_admin, &[]).await.status(), 403);
    assert_redirect(&Browser::new(&app).get("/admin").await, "/login");

    let html = admin_browser
        .get("/admin")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("mallory") && html.contains("root"));
    assert_eq!(admin_browser.post(&disable_admin, &[]).await.status(), 400);

    let disable = format!("/admin/users/{user}/disable");
    assert_redirect(&admin_browser.post(&disable, &[]).await, "/admin");
    assert_eq!(key_status(&app, &key).await, 401);
    assert_redirect(&user_browser.get("/console").await, "/login");
    let html = admin_browser
        .get("/admin")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("disabled"));

    let enable = format!("/admin/users/{user}/enable");
    assert_redirect(&admin_browser.post(&enable, &[]).await, "/admin");
    assert_eq!(key_status(&app, &key).await, 200);
    assert_redirect(
        &user_browser.get("/console").await,
        "/login",
        // Sessions ended by the disable stay ended.
    );
    let unknown = format!("/admin/users/{}/disable", uuid::Uuid::now_v7());
    assert_eq!(admin_browser.post(&unknown, &[]).await.status(), 404);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn no_route_touches_another_users_objects(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (alice, _) = local_user(&pool, "alice", None).await;
    let (bob, _) = local_user(&pool, "bob", None).await;
    let alice_browser = Browser::signed_in(&app, &pool, alice).await;
    let bob_browser = Browser::signed_in(&app, &pool, bob).await;
    let response = alice_browser.post("/console/keys", &[("name", "ci")]).await;
    let alice_ci = full_key_in(&response.text().await.expect("body")).expect("key");

    let alice_keys = store::api_keys::list(&pool, alice).await.expect("keys");
    for key in &alice_keys {
        for action in ["reveal", "revoke"] {
            let path = format!("/console/keys/{}/{action}", key.id);
            let response = bob_browser.post(&path, &[]).await;
            assert_eq!(response.status(), 404, "{path}");
            let html = response.text().await.expect("body");
            assert!(full_key_in(&html).is_none(), "{path} leaked a key");
        }
    }
    for path in [
        format!("/admin/users/{alice}/disable"),
        format!("/admin/users/{alice}/enable"),
    ] {
        assert_eq!(bob_browser.post(&path, &[]).await.status(), 403, "{path}");
    }
    assert_eq!(bob_browser.get("/admin").await.status(), 403);
    // Bob's own pages show only Bob's keys.
    let html = bob_browser
        .post("/console/key/reveal", &[])
        .await
        .text()
        .await
        .expect("body");
    for key in &alice_keys {
        assert!(!html.contains(&key.id.to_string()) && !html.contains(&key.prefix));
    }
    assert_eq!(key_status(&app, &alice_ci).await, 200, "untouched");
    assert!(
        store::api_keys::list(&pool, alice)
            .await
            .expect("keys")
            .iter()
            .all(|k| k.revoked_at.is_none())
    );
    // Malformed ids are simply not found.
    let response = bob_browser
        .post("/console/keys/not-a-uuid/revoke", &[])
        .await;
    assert_eq!(response.status(), 404);
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn last_use_of_a_key_reaches_the_console(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (user, key) = local_user(&pool, "carol", None).await;
    assert_eq!(key_status(&app, &key).await, 200);
    // Written by the periodic flush, not by the request itself.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let keys = store::api_keys::list(&pool, user).await.expect("keys");
        if keys[0].last_used_at.is_some() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "last use never recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let browser = Browser::signed_in(&app, &pool, user).await;
    let html = browser.get("/console").await.text().await.expect("body");
    assert!(html.contains("last used 20"), "a date is shown");
}

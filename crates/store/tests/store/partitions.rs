//! Daily partitions of gateway_logs, against a real PostgreSQL (one database per test).

use sqlx::PgPool;
use store::gateway_logs::{create_partitions, partitions};
use time::{Date, Duration, OffsetDateTime};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

async fn insert_log_at(pool: &PgPool, at: OffsetDateTime) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into gateway_logs (id, created_at, user_id, requested_model, status_code, success)
         values (gen_random_uuid(), $1, gen_random_uuid(), 'claude-sonnet-5-5', 200, true)",
    )
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ())
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn migrations_create_partitions_around_today(pool: PgPool) {
    let names = partitions(&pool).await.expect("partitions");
    let name_of = |d: Date| {
        format!(
            "gateway_logs_{:04}{:02}{:02}",
            d.year(),
            d.month() as u8,
            d.day()
        )
    };
    assert!(names.contains(&name_of(today())), "{names:?}");
    assert!(
        names.contains(&name_of(today() + Duration::days(6))),
        "{names:?}"
    );
    insert_log_at(&pool, OffsetDateTime::now_utc())
        .await
        .expect("a row for now has a partition");
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn creation_is_idempotent_and_bounded_by_utc_days(pool: PgPool) {
    let first = today() + Duration::days(40);
    assert_eq!(create_partitions(&pool, first, 3).await.expect("create"), 3);
    assert_eq!(create_partitions(&pool, first, 3).await.expect("again"), 0);
    assert_eq!(
        create_partitions(&pool, first, 4).await.expect("one more"),
        1
    );

    let midnight = first.midnight().assume_utc();
    insert_log_at(&pool, midnight)
        .await
        .expect("first instant of the day");
    insert_log_at(
        &pool,
        midnight + Duration::days(4) - Duration::microseconds(1),
    )
    .await
    .expect("last instant");
    let err = insert_log_at(&pool, midnight + Duration::days(4))
        .await
        .expect_err("no partition yet");
    assert!(err.to_string().contains("no partition"), "{err}");
    let err = insert_log_at(&pool, midnight - Duration::days(1))
        .await
        .expect_err("no partition");
    assert!(err.to_string().contains("no partition"), "{err}");

    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select tableoid::regclass::text, count(*) from gateway_logs group by 1 order by 1",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    let day = |d: Date| {
        format!(
            "gateway_logs_{:04}{:02}{:02}",
            d.year(),
            d.month() as u8,
            d.day()
        )
    };
    assert_eq!(
        rows,
        vec![(day(first), 1), (day(first + Duration::days(3)), 1)]
    );
}

#[sqlx::test(migrator = "store::MIGRATOR")]
async fn concurrent_creation_from_several_processes_is_safe(pool: PgPool) {
    let first = today() + Duration::days(100);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { create_partitions(&pool, first, 5).await })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task
            .await
            .expect("join")
            .expect("no error under concurrency");
    }
    assert_eq!(total, 5, "each partition is created exactly once");
}

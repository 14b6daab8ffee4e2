//! The store against a real PostgreSQL: one database per test (`sqlx::test`), created on
//! the server `scripts/test.sh` starts. One test binary, so one link step.

mod accounts;
mod log_fixtures;
mod log_indexes;
mod log_listing;
mod partitions;
mod retention;
mod rollups;

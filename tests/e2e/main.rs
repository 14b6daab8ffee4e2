//! End-to-end tests of the `nexus` binary and app: real PostgreSQL (the per-test databases
//! of `sqlx::test`, or the embedded cluster in a temporary data folder), real processes,
//! real HTTP on 127.0.0.1. One test binary, so one link step.

mod browser;
mod chrome;
mod claude_code;
mod cli_keys;
mod cli_logs;
mod cli_mapping;
mod cli_upstreams;
mod cli_users;
mod config;
mod embedded;
mod gateway;
mod github_oauth;
mod health;
mod helpers;
mod kinds;
mod logs;
mod mock_brain;
mod mock_github;
mod mock_upstream;
mod pools;
mod recording_proxy;
mod secrets;
mod seed;
mod web_admin;
mod web_browser;
mod web_console;
mod web_keys;
mod web_logs;
mod web_mapping;
mod web_sessions;
mod web_stats;

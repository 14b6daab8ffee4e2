//! Nexus: the gateway that lets Claude Code run on the LLM providers its users already pay
//! for. This crate is the application: configuration, command line, HTTP app and server.

pub mod app;
pub mod cli;
pub mod config;
pub mod database;
pub mod gateway;
pub mod key_usage;
pub mod log_writer;
mod maintenance;
mod server;
pub mod telemetry;
pub mod upstreams;
pub mod web;

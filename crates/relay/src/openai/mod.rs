//! Anthropic Messages ⇄ OpenAI Chat Completions, for every OpenAI-compatible upstream
//! (OpenAI, DeepSeek, OpenRouter, Gemini's OpenAI endpoint, Qwen, Kimi, local servers…).
//!
//! Request side: `quirks` (what differs between providers, in one table), `schema`
//! (JSON-schema cleaning), `request` (the translation). Response side: `response`
//! (complete bodies), `stream` (the SSE state machine), `error` (upstream errors), `models`
//! (`GET /models`, "fetch models").

pub mod error;
pub mod models;
pub mod quirks;
pub mod request;
pub mod response;
pub mod schema;
pub mod stream;

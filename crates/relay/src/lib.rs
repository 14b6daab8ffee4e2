//! The protocols Nexus speaks: Anthropic Messages towards clients, and the upstream
//! protocols it translates to. Pure types and functions; no database, no server state.

pub mod anthropic;
pub mod gemini;
pub mod openai;
pub mod testing;
pub mod tool_names;

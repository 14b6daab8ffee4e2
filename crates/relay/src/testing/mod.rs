//! Test support, shared by the unit tests of this crate and the gateway's end-to-end tests:
//! a checker for the Anthropic stream grammar (protocol §2.1), SSE text → events, and
//! deterministic random chunking of byte streams.

mod chunks;
mod sse;
mod validate;

pub use chunks::{XorShift, random_chunks};
pub use sse::{parse_sse, to_sse};
pub use validate::validate_stream;

//! Anthropic Messages API shapes.

mod error;

pub use error::{ErrorBody, ErrorType};

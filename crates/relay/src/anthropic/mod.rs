//! Anthropic Messages API shapes.

mod count;
mod error;
pub mod passthrough;
mod request;
mod response;

pub use count::estimate_input_tokens;
pub use error::{ErrorBody, ErrorDetail, ErrorType};
pub use request::{
    Block, Content, Message, MessagesRequest, Metadata, OutputConfig, Role, Source, System,
    Thinking, Tool, ToolChoice, ToolResultContent, parse_request,
};
pub use response::{
    BlockStart, Delta, MessageDeltaBody, MessagesResponse, ResponseBlock, StopReason, StreamEvent,
    Usage,
};

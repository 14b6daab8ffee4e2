//! Gemini thought signatures as Claude Code carries them (protocol.md §6.1, pitfall 5).
//!
//! Gemini 3 returns an opaque `thoughtSignature` on the first `functionCall` part of a step
//! and rejects the next request when that call comes back without it. Claude Code keeps
//! nothing but Anthropic blocks, so the signature travels in the `signature` of the thinking
//! block that leads the assistant message: `gemini.` followed by Gemini's signature, unchanged.
//! On the next request the translator finds it there and puts it back on the first
//! `functionCall` of that message.
//!
//! The prefix makes these signatures recognisable: Anthropic would reject them
//! (`Invalid signature in thinking block`), so the passthrough path drops thinking blocks for
//! which [`is_gemini_signature`] holds (protocol.md §7, pitfall 16). Anthropic's own
//! signatures are plain base64 and never contain a `.`, so the two cannot be confused.

/// Prefix of a Gemini thought signature inside an Anthropic thinking block.
pub const GEMINI_SIGNATURE_PREFIX: &str = "gemini.";

/// Whether `signature` (of a thinking block) carries a Gemini thought signature.
pub fn is_gemini_signature(signature: &str) -> bool {
    signature.starts_with(GEMINI_SIGNATURE_PREFIX)
}

/// The thinking-block signature that carries Gemini's `thought_signature`.
pub(crate) fn wrap(thought_signature: &str) -> String {
    format!("{GEMINI_SIGNATURE_PREFIX}{thought_signature}")
}

/// Gemini's signature inside a thinking-block signature, if it is one of ours and not empty.
pub(crate) fn unwrap(signature: &str) -> Option<&str> {
    signature
        .strip_prefix(GEMINI_SIGNATURE_PREFIX)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::stream::{is_synthetic_signature, synthetic_signature};

    #[test]
    fn round_trip_and_recognition() {
        let gemini = "CiQB0e2Kb7+/abc=";
        let wrapped = wrap(gemini);
        assert!(is_gemini_signature(&wrapped));
        assert_eq!(unwrap(&wrapped), Some(gemini));
        assert_eq!(unwrap("gemini."), None, "an empty signature is none");
        let anthropic = "EqQBCkYIBRgCKkDxyz+/abc==";
        assert!(!is_gemini_signature(anthropic));
        assert_eq!(unwrap(anthropic), None);
        let synthetic = synthetic_signature("text");
        assert!(!is_gemini_signature(&synthetic) && is_synthetic_signature(&synthetic));
        assert!(!is_synthetic_signature(&wrapped));
    }
}

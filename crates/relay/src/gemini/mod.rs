//! Anthropic Messages ⇄ Gemini native API (generativelanguage v1beta), per protocol.md §6.

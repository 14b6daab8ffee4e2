//! Tool names that upstreams accept. OpenAI-compatible APIs and Gemini require
//! `^[a-zA-Z0-9_-]{1,64}$`; MCP tool names (`mcp__server__tool`) can be longer or use
//! other characters. Such names are shortened deterministically and restored in responses.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

const MAX_LEN: usize = 64;

/// Upstream name ⇄ client name, for the names that had to change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolNameMap {
    to_client: HashMap<String, String>,
    to_upstream: HashMap<String, String>,
}

impl ToolNameMap {
    /// The name to send upstream for the client's `name` (recorded when it changes).
    pub fn upstream_name(&mut self, name: &str) -> String {
        if let Some(known) = self.to_upstream.get(name) {
            return known.clone();
        }
        if is_acceptable(name) {
            return name.to_owned();
        }
        let short = shorten(name);
        self.to_upstream.insert(name.to_owned(), short.clone());
        self.to_client.insert(short.clone(), name.to_owned());
        short
    }

    /// The client's name for a name the upstream used.
    pub fn client_name(&self, upstream: &str) -> String {
        self.to_client
            .get(upstream)
            .cloned()
            .unwrap_or_else(|| upstream.to_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.to_client.is_empty()
    }
}

fn is_acceptable(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `text` with every character outside `[A-Za-z0-9_-]` replaced by `_`: the alphabet that
/// tool names and tool-use ids share across providers.
pub(crate) fn word_characters(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Allowed characters of the name, cut to fit, then `_` and 8 hex characters of its
/// SHA-256: readable, stable across requests, and distinct for distinct names.
fn shorten(name: &str) -> String {
    let cleaned = word_characters(name);
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep = MAX_LEN - 1 - hash.len();
    let prefix: String = cleaned.chars().take(keep).collect();
    format!("{prefix}_{hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_odd_names_are_shortened_and_restored() {
        let mut map = ToolNameMap::default();
        assert_eq!(map.upstream_name("Bash"), "Bash");
        assert!(map.is_empty());
        let long = format!("mcp__{}__tool", "server".repeat(12));
        let short = map.upstream_name(&long);
        assert!(short.len() <= 64 && is_acceptable(&short), "{short}");
        assert_eq!(map.upstream_name(&long), short, "stable");
        assert_eq!(map.client_name(&short), long);
        let dotted = map.upstream_name("mcp.server/tool");
        assert!(is_acceptable(&dotted));
        assert_eq!(map.client_name(&dotted), "mcp.server/tool");
        let other = map.upstream_name(&format!("mcp__{}__tool2", "server".repeat(12)));
        assert_ne!(other, short, "distinct names stay distinct");
        assert_eq!(map.client_name("Read"), "Read");
    }
}

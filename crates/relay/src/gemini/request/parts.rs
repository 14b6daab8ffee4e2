//! Content blocks → Gemini parts (protocol.md §6.1): text, images, documents. Parts are
//! rebuilt from known fields only, so `cache_control` and `citations` never pass (pitfall 12).
//!
//! Gemini cannot download arbitrary URLs: `fileData` only takes `gs://` objects and files
//! uploaded to the Gemini Files API. Fetching other URLs is I/O, which this pure translation
//! does not do; such images and documents become a text part naming the URL, so the model
//! at least knows something was attached.

use serde_json::{Value, json};

use crate::anthropic::{Block, Content, Source};
use crate::tool_names::ToolNameMap;

/// One part of a Gemini `Content`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Part {
    Text(String),
    Inline {
        mime: String,
        data: String,
    },
    File {
        mime: Option<String>,
        uri: String,
    },
    /// A tool call; `signature` is Gemini's `thoughtSignature` for it.
    Call {
        name: String,
        args: Value,
        signature: Option<String>,
    },
    /// The answer to a call: `error` selects `{"error": text}` over `{"output": text}`.
    Response {
        name: String,
        text: String,
        error: bool,
    },
}

impl Part {
    /// The part as Gemini JSON; tool names go through `names` (shortened where needed).
    pub(super) fn to_json(&self, names: &mut ToolNameMap) -> Value {
        match self {
            Part::Text(text) => json!({ "text": text }),
            Part::Inline { mime, data } => {
                json!({ "inlineData": { "mimeType": mime, "data": data } })
            }
            Part::File { mime, uri } => {
                let mut file = json!({ "fileUri": uri });
                if let Some(mime) = mime {
                    file["mimeType"] = json!(mime);
                }
                json!({ "fileData": file })
            }
            Part::Call {
                name,
                args,
                signature,
            } => {
                let mut part =
                    json!({ "functionCall": { "name": names.upstream_name(name), "args": args } });
                if let Some(signature) = signature {
                    part["thoughtSignature"] = json!(signature);
                }
                part
            }
            Part::Response { name, text, error } => {
                let key = if *error { "error" } else { "output" };
                json!({ "functionResponse": {
                    "name": names.upstream_name(name),
                    "response": { key: text },
                } })
            }
        }
    }
}

/// The parts of one user-visible block; blank text and blocks only Anthropic understands
/// (thinking, server tool blocks) give nothing.
pub(super) fn block_parts(block: Block, out: &mut Vec<Part>) {
    match block {
        Block::Text { text } if !text.trim().is_empty() => out.push(Part::Text(text)),
        Block::Image { source } => match source {
            Source::Base64 { media_type, data } => out.push(Part::Inline {
                mime: media_type,
                data,
            }),
            Source::Url { url } => out.push(url_part(url, "Image")),
            Source::File { file_id } => out.push(Part::Text(format!(
                "[Image file {file_id} is not available here]"
            ))),
            Source::Text { .. } | Source::Content { .. } => {}
        },
        Block::Document {
            source,
            title,
            context,
        } => document_parts(source, title.as_deref(), context.as_deref(), out),
        _ => {}
    }
}

fn document_parts(source: Source, title: Option<&str>, context: Option<&str>, out: &mut Vec<Part>) {
    // Title and context lead, so the model knows what it reads.
    let header: Vec<&str> = title
        .into_iter()
        .chain(context)
        .filter(|t| !t.trim().is_empty())
        .collect();
    let with_header = |body: String| {
        let mut all = header.clone();
        all.push(&body);
        all.join("\n\n")
    };
    let name = title.unwrap_or("document");
    match source {
        Source::Text { data, .. } if !data.trim().is_empty() => {
            out.push(Part::Text(with_header(data)));
        }
        Source::Text { .. } => {}
        Source::Content { content } => {
            if !header.is_empty() {
                out.push(Part::Text(header.join("\n\n")));
            }
            let blocks = match content {
                Content::Text(text) => vec![Block::Text { text }],
                Content::Blocks(blocks) => blocks,
            };
            for block in blocks {
                block_parts(block, out);
            }
        }
        Source::Base64 { media_type, data } if inline_ok(&media_type) => {
            if !header.is_empty() {
                out.push(Part::Text(header.join("\n\n")));
            }
            out.push(Part::Inline {
                mime: media_type,
                data,
            });
        }
        Source::Base64 { media_type, .. } => out.push(Part::Text(with_header(format!(
            "[{media_type} document \"{name}\" omitted: Gemini does not accept this type]"
        )))),
        Source::Url { url } => {
            if !header.is_empty() {
                out.push(Part::Text(header.join("\n\n")));
            }
            out.push(url_part(url, "Document"));
        }
        Source::File { file_id } => out.push(Part::Text(with_header(format!(
            "[Document file {file_id} is not available here]"
        )))),
    }
}

/// Media types Gemini reads inline: documents, images, audio, video and plain text.
fn inline_ok(media_type: &str) -> bool {
    media_type == "application/pdf"
        || ["image/", "audio/", "video/", "text/"]
            .iter()
            .any(|prefix| media_type.starts_with(prefix))
}

/// `fileData` for a URI Gemini can read itself, else a text part naming the URL.
fn url_part(url: String, what: &str) -> Part {
    let fetchable =
        url.starts_with("gs://") || url.starts_with("https://generativelanguage.googleapis.com/");
    if fetchable {
        Part::File {
            mime: mime_from_extension(&url),
            uri: url,
        }
    } else {
        Part::Text(format!(
            "[{what} at {url}: not attached, Gemini cannot fetch this URL]"
        ))
    }
}

/// The media type implied by the URL's file extension; `None` lets Gemini use what it knows
/// about an uploaded file.
fn mime_from_extension(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    let mime = match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        _ => return None,
    };
    Some(mime.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(block: serde_json::Value) -> Vec<Part> {
        let block: Block = serde_json::from_value(block).expect("block");
        let mut out = Vec::new();
        block_parts(block, &mut out);
        out
    }

    #[test]
    fn images_inline_fetchable_or_named() {
        assert_eq!(
            parts(
                json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}})
            ),
            vec![Part::Inline {
                mime: "image/png".into(),
                data: "iVBOR".into()
            }]
        );
        assert_eq!(
            parts(
                json!({"type": "image", "source": {"type": "url", "url": "gs://bucket/cat.JPG"}})
            ),
            vec![Part::File {
                mime: Some("image/jpeg".into()),
                uri: "gs://bucket/cat.JPG".into()
            }]
        );
        let uploaded = "https://generativelanguage.googleapis.com/v1beta/files/abc123";
        assert_eq!(
            parts(json!({"type": "image", "source": {"type": "url", "url": uploaded}})),
            vec![Part::File {
                mime: None,
                uri: uploaded.into()
            }]
        );
        let [Part::Text(text)] = &parts(
            json!({"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}),
        )[..] else {
            panic!("a text part")
        };
        assert!(text.contains("https://example.com/a.png"), "{text}");
    }

    #[test]
    fn documents_pdf_text_and_nested() {
        let pdf = parts(
            json!({"type": "document", "title": "Spec", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"}}),
        );
        assert_eq!(
            pdf,
            vec![
                Part::Text("Spec".into()),
                Part::Inline {
                    mime: "application/pdf".into(),
                    data: "JVBER".into()
                }
            ]
        );
        assert_eq!(
            parts(
                json!({"type": "document", "context": "notes", "source": {"type": "text", "media_type": "text/plain", "data": "hello"}})
            ),
            vec![Part::Text("notes\n\nhello".into())]
        );
        assert_eq!(
            parts(
                json!({"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": " "}]}})
            ),
            vec![Part::Text("a".into())]
        );
        let [Part::Text(text)] = &parts(
            json!({"type": "document", "source": {"type": "base64", "media_type": "application/zip", "data": "UEs"}}),
        )[..] else {
            panic!("a text part")
        };
        assert!(text.contains("application/zip"), "{text}");
    }

    #[test]
    fn blank_text_and_anthropic_only_blocks_give_nothing() {
        assert!(parts(json!({"type": "text", "text": " \n"})).is_empty());
        assert!(parts(json!({"type": "thinking", "thinking": "t", "signature": "s"})).is_empty());
        assert!(parts(json!({"type": "web_search_tool_result", "content": []})).is_empty());
    }

    #[test]
    fn calls_and_responses_serialise_with_short_names() {
        let mut names = ToolNameMap::default();
        let long = format!("mcp__{}__run", "server".repeat(12));
        let call = Part::Call {
            name: long.clone(),
            args: json!({"a": 1}),
            signature: Some("sig".into()),
        };
        let value = call.to_json(&mut names);
        let short = names.upstream_name(&long);
        assert_eq!(
            value,
            json!({"functionCall": {"name": short, "args": {"a": 1}}, "thoughtSignature": "sig"})
        );
        let response = Part::Response {
            name: "Bash".into(),
            text: "denied".into(),
            error: true,
        };
        assert_eq!(
            response.to_json(&mut names),
            json!({"functionResponse": {"name": "Bash", "response": {"error": "denied"}}})
        );
    }
}

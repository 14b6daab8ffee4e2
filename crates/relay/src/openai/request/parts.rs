//! User content parts: text, images, documents (protocol.md §4.1). Everything is rebuilt
//! from known fields, so `cache_control` and `citations` never pass (pitfall 12).

use serde_json::{Value, json};

use crate::anthropic::{Block, Content, Source};
use crate::openai::quirks::Quirks;

/// A user content part.
#[derive(Debug, Clone)]
pub(super) enum Part {
    Text(String),
    Image(String),
    File { filename: String, data: String },
}

/// The user-visible parts of one block; empty text and blocks only Anthropic understands
/// produce nothing.
pub(super) fn content_parts(block: Block, quirks: &Quirks, parts: &mut Vec<Part>) {
    match block {
        Block::Text { text } if !text.trim().is_empty() => parts.push(Part::Text(text)),
        Block::Image { source } => match source {
            Source::Base64 { media_type, data } => {
                parts.push(Part::Image(format!("data:{media_type};base64,{data}")));
            }
            Source::Url { url } => parts.push(Part::Image(url)),
            Source::File { file_id } => parts.push(Part::Text(format!(
                "[Image file {file_id} is not available here]"
            ))),
            Source::Text { .. } | Source::Content { .. } => {}
        },
        Block::Document {
            source,
            title,
            context,
        } => document_parts(source, title.as_deref(), context.as_deref(), quirks, parts),
        _ => {}
    }
}

fn document_parts(
    source: Source,
    title: Option<&str>,
    context: Option<&str>,
    quirks: &Quirks,
    parts: &mut Vec<Part>,
) {
    // Title and context lead the text, so the model knows what it reads.
    let header: Vec<&str> = title
        .into_iter()
        .chain(context)
        .filter(|t| !t.trim().is_empty())
        .collect();
    let with_header = |body: String| {
        let mut all: Vec<&str> = header.clone();
        all.push(&body);
        all.join("\n\n")
    };
    let name = title.unwrap_or("document").to_owned();
    match source {
        Source::Text { data, .. } if !data.trim().is_empty() => {
            parts.push(Part::Text(with_header(data)));
        }
        Source::Text { .. } => {}
        Source::Content { content } => {
            if !header.is_empty() {
                parts.push(Part::Text(header.join("\n\n")));
            }
            let blocks = match content {
                Content::Text(text) => vec![Block::Text { text }],
                Content::Blocks(blocks) => blocks,
            };
            for block in blocks {
                content_parts(block, quirks, parts);
            }
        }
        Source::Base64 { media_type, data } if media_type.starts_with("image/") => {
            parts.push(Part::Image(format!("data:{media_type};base64,{data}")));
        }
        Source::Base64 { media_type, data }
            if media_type == "application/pdf" && quirks.pdf_input =>
        {
            let filename = if name.to_ascii_lowercase().ends_with(".pdf") {
                name
            } else {
                format!("{name}.pdf")
            };
            parts.push(Part::File {
                filename,
                data: format!("data:application/pdf;base64,{data}"),
            });
        }
        Source::Base64 { media_type, .. } => parts.push(Part::Text(with_header(format!(
            "[{media_type} document \"{name}\" omitted: this model endpoint does not accept it]"
        )))),
        Source::Url { url } => parts.push(Part::Text(with_header(format!("[Document at {url}]")))),
        Source::File { file_id } => {
            parts.push(Part::Text(with_header(format!(
                "[Document file {file_id} is not available here]"
            ))));
        }
    }
}

/// Text-only content as one string, which every compatible server accepts; parts
/// otherwise.
pub(super) fn user_content(parts: Vec<Part>) -> Value {
    if parts.iter().all(|p| matches!(p, Part::Text(_))) {
        let texts: Vec<String> = parts
            .into_iter()
            .filter_map(|p| if let Part::Text(t) = p { Some(t) } else { None })
            .collect();
        return json!(texts.join("\n\n"));
    }
    let parts: Vec<Value> = parts
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => json!({ "type": "text", "text": text }),
            Part::Image(url) => json!({ "type": "image_url", "image_url": { "url": url } }),
            Part::File { filename, data } => {
                json!({ "type": "file", "file": { "filename": filename, "file_data": data } })
            }
        })
        .collect();
    Value::Array(parts)
}

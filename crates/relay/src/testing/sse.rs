//! Anthropic SSE text ⇄ stream events, to check what a gateway actually sent.

use crate::anthropic::StreamEvent;

/// Serialises events exactly as the gateway sends them.
pub fn to_sse(events: &[StreamEvent]) -> String {
    events.iter().map(StreamEvent::to_sse).collect()
}

/// Parses SSE text (`event: <type>` and `data: <json>` lines, events separated by a blank
/// line; `\n` or `\r\n`; comments ignored). Each `data` must be a stream event whose type
/// matches the `event:` name when there is one.
pub fn parse_sse(text: &str) -> Result<Vec<StreamEvent>, String> {
    let mut events = Vec::new();
    let mut name: Option<String> = None;
    let mut data: Option<String> = None;
    for (number, line) in text.lines().chain(std::iter::once("")).enumerate() {
        if line.is_empty() {
            if let Some(json) = data.take() {
                let event: StreamEvent = serde_json::from_str(&json)
                    .map_err(|e| format!("event ending at line {number}: {e}: {json}"))?;
                if let Some(name) = name.as_deref()
                    && name != event.name()
                {
                    return Err(format!(
                        "line {number}: `event: {name}` carries a {} event",
                        event.name()
                    ));
                }
                events.push(event);
            } else if name.is_some() {
                return Err(format!("line {number}: event without data"));
            }
            name = None;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => name = Some(value.to_owned()),
            "data" => match &mut data {
                Some(existing) => {
                    existing.push('\n');
                    existing.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            "id" | "retry" => {}
            other => return Err(format!("line {}: unknown SSE field `{other}`", number + 1)),
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anthropic::{Delta, ErrorType};

    #[test]
    fn round_trips_and_checks_names() {
        let events = vec![
            StreamEvent::Ping,
            StreamEvent::ContentBlockDelta {
                index: 2,
                delta: Delta::TextDelta {
                    text: "a\nb".into(),
                },
            },
            StreamEvent::Error {
                error: crate::anthropic::ErrorBody::new(ErrorType::OverloadedError, "Overloaded")
                    .error,
            },
        ];
        let text = to_sse(&events);
        assert_eq!(parse_sse(&text).expect("parses"), events);
        assert_eq!(
            parse_sse(&text.replace('\n', "\r\n")).expect("parses CRLF"),
            events
        );
        assert!(parse_sse("event: ping\ndata: {\"type\":\"message_stop\"}\n\n").is_err());
        assert!(parse_sse("data: {nope}\n\n").is_err());
    }
}

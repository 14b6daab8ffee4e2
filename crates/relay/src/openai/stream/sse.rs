//! Upstream SSE bytes → JSON chunks, for reads split anywhere (inside a line, inside a UTF-8
//! character, between `\r` and `\n`) and several events per read. Comments and other fields
//! are skipped; `data: [DONE]` ends the stream.
//!
//! OpenAI-compatible servers put one JSON chunk on each `data:` line, and a few forget the
//! blank line between events, so a data line that is complete JSON is handed out at once;
//! only data split over several lines waits for the rest (joined with `\n` as SSE says).

use serde_json::Value;

/// Lines that are not SSE (a plain JSON body sent instead of a stream) are kept up to this
/// size so the translator can report what the upstream said.
const RAW_LIMIT: usize = 64 * 1024;

/// What the decoder found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Frame {
    Chunk(Value),
    Done,
}

/// Incremental SSE decoder for one upstream body.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    buf: Vec<u8>,
    /// `buf[..scanned]` holds no line end (avoids rescanning on byte-by-byte input).
    scanned: usize,
    /// Data lines of the current event that do not parse yet.
    data: String,
    /// Whether any `data:` line was seen.
    saw_data: bool,
    raw: String,
}

impl SseDecoder {
    /// Decodes the complete lines in `bytes` (plus what was buffered before).
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Frame>, notes: &mut Vec<String>) {
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        let mut pos = self.scanned;
        while pos < self.buf.len() {
            let end_len = match self.buf[pos] {
                b'\n' => 1,
                // A `\r` as last byte may be the first half of `\r\n`: wait for the next read.
                b'\r' if pos + 1 == self.buf.len() => break,
                b'\r' if self.buf[pos + 1] == b'\n' => 2,
                b'\r' => 1,
                _ => {
                    pos += 1;
                    continue;
                }
            };
            let line = String::from_utf8_lossy(&self.buf[start..pos]).into_owned();
            self.line(&line, out, notes);
            pos += end_len;
            start = pos;
        }
        self.buf.drain(..start);
        self.scanned = pos - start;
    }

    /// End of input: the last line may lack its line end, the last event its blank line.
    pub fn finish(&mut self, out: &mut Vec<Frame>, notes: &mut Vec<String>) {
        let rest = std::mem::take(&mut self.buf);
        self.scanned = 0;
        let rest = String::from_utf8_lossy(&rest);
        let rest = rest.trim_end_matches(['\r', '\n']);
        if !rest.is_empty() {
            self.line(rest, out, notes);
        }
        self.line("", out, notes);
    }

    /// Whether the input had any `data:` line, i.e. was an event stream at all.
    pub fn saw_data(&self) -> bool {
        self.saw_data
    }

    /// The non-SSE text received (at most [`RAW_LIMIT`] bytes).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    fn line(&mut self, line: &str, out: &mut Vec<Frame>, notes: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                let data = std::mem::take(&mut self.data);
                notes.push(format!("unparsable SSE data dropped: {}", snippet(&data)));
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => self.data_line(value, out, notes),
            "event" | "id" | "retry" => {}
            _ => self.raw_line(line),
        }
    }

    fn data_line(&mut self, value: &str, out: &mut Vec<Frame>, notes: &mut Vec<String>) {
        self.saw_data = true;
        if self.data.is_empty() {
            if value.trim() == "[DONE]" {
                out.push(Frame::Done);
            } else if let Ok(chunk) = serde_json::from_str::<Value>(value) {
                out.push(Frame::Chunk(chunk));
            } else {
                self.data.push_str(value);
            }
            return;
        }
        self.data.push('\n');
        self.data.push_str(value);
        if let Ok(chunk) = serde_json::from_str::<Value>(&self.data) {
            self.data.clear();
            out.push(Frame::Chunk(chunk));
        } else if let Ok(chunk) = serde_json::from_str::<Value>(value) {
            // The earlier lines were a broken event whose blank line never came.
            let stale = std::mem::take(&mut self.data);
            let stale = &stale[..stale.len() - value.len() - 1];
            notes.push(format!("unparsable SSE data dropped: {}", snippet(stale)));
            out.push(Frame::Chunk(chunk));
        }
    }

    fn raw_line(&mut self, line: &str) {
        if self.raw.len() + line.len() < RAW_LIMIT {
            self.raw.push_str(line);
            self.raw.push('\n');
        }
    }
}

/// The first 200 characters of `text`, for log notes.
pub(crate) fn snippet(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(200).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn decode(pieces: &[&[u8]]) -> (Vec<Frame>, Vec<String>, String) {
        let mut decoder = SseDecoder::default();
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        for piece in pieces {
            decoder.push(piece, &mut out, &mut notes);
        }
        decoder.finish(&mut out, &mut notes);
        (out, notes, decoder.raw().to_owned())
    }

    #[test]
    fn splits_lines_in_any_place_and_any_line_end() {
        let input =
            "data: {\"a\":\"é\"}\r\n\r\n: keep-alive\rdata:{\"b\":2}\n\nevent: x\ndata: [DONE]\n\n";
        let expected = vec![
            Frame::Chunk(json!({"a": "é"})),
            Frame::Chunk(json!({"b": 2})),
            Frame::Done,
        ];
        let bytes = input.as_bytes();
        let whole = decode(&[bytes]);
        assert_eq!(whole.0, expected);
        assert!(whole.1.is_empty(), "{:?}", whole.1);
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode(&singles).0, expected);
        for cut in 0..bytes.len() {
            assert_eq!(
                decode(&[&bytes[..cut], &bytes[cut..]]).0,
                expected,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn crlf_split_between_cr_and_lf_keeps_multi_line_data() {
        let bytes = b"data: {\"a\":\r\ndata: 1}\r\n\r\n";
        for cut in 0..bytes.len() {
            let (frames, notes, _) = decode(&[&bytes[..cut], &bytes[cut..]]);
            assert_eq!(frames, vec![Frame::Chunk(json!({"a": 1}))], "cut at {cut}");
            assert!(notes.is_empty(), "cut at {cut}: {notes:?}");
        }
    }

    #[test]
    fn multi_line_data_and_missing_blank_lines() {
        let (frames, notes, _) =
            decode(&[b"data: {\"a\":\ndata: 1}\n\ndata: {\"b\":1}\ndata: {\"c\":1}\n"]);
        assert_eq!(
            frames,
            vec![
                Frame::Chunk(json!({"a": 1})),
                Frame::Chunk(json!({"b": 1})),
                Frame::Chunk(json!({"c": 1}))
            ]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn garbage_is_noted_and_plain_bodies_kept() {
        let (frames, notes, raw) = decode(&[b"data: {oops\n\ndata: {\"a\":1}"]);
        assert_eq!(frames, vec![Frame::Chunk(json!({"a": 1}))]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let (frames, _, raw_body) = decode(&[b"{\"error\":\n {\"message\":\"quota\"}}\n"]);
        assert!(frames.is_empty() && raw.is_empty());
        assert_eq!(raw_body, "{\"error\":\n {\"message\":\"quota\"}}\n");
    }
}

//! What an upstream failure means for the request (try the next key?) and for the key
//! (count a failure? cool down at once?). One function, one table of cases in its test.

use std::time::Duration;

/// How a call to an upstream failed, before any byte reached the client.
#[derive(Debug, Clone)]
pub enum Failure {
    /// No connection (refused, DNS, TLS).
    Connect,
    /// No answer before the read timeout.
    Timeout,
    /// An HTTP error status with the upstream's message and `Retry-After`, if any.
    Status {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Try the same request on the next key.
    pub retry: bool,
    /// Count it against the key's health.
    pub key_failure: bool,
    /// Put the key in cooldown at once (auth and quota errors), for at least this long.
    pub cool_down: Option<Option<Duration>>,
}

/// Words in a 400's message that mean "this key ran out", not "this request is bad".
const QUOTA_WORDS: [&str; 6] = [
    "quota",
    "credit",
    "balance",
    "insufficient",
    "billing",
    "exceeded your current",
];

pub fn classify(failure: &Failure) -> Verdict {
    let retry_key_failure = Verdict {
        retry: true,
        key_failure: true,
        cool_down: None,
    };
    match failure {
        Failure::Connect | Failure::Timeout => retry_key_failure,
        Failure::Status {
            status,
            message,
            retry_after,
        } => match status {
            401 | 402 | 403 | 429 => Verdict {
                cool_down: Some(*retry_after),
                ..retry_key_failure
            },
            400 if is_quota(message) => Verdict {
                cool_down: Some(*retry_after),
                ..retry_key_failure
            },
            408 | 500..=599 => retry_key_failure,
            // A genuine client error (bad request, unknown model, too large): every key
            // would say the same, and the key is fine.
            _ => Verdict {
                retry: false,
                key_failure: false,
                cool_down: None,
            },
        },
    }
}

fn is_quota(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    QUOTA_WORDS.iter().any(|w| lower.contains(w))
}

/// Seconds from a `Retry-After` header (the HTTP-date form is rare from APIs; ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, message: &str) -> Failure {
        Failure::Status {
            status,
            message: message.to_owned(),
            retry_after: None,
        }
    }

    #[test]
    fn the_table() {
        let retry = Verdict {
            retry: true,
            key_failure: true,
            cool_down: None,
        };
        let cool = Verdict {
            retry: true,
            key_failure: true,
            cool_down: Some(None),
        };
        let fatal = Verdict {
            retry: false,
            key_failure: false,
            cool_down: None,
        };
        let cases: Vec<(Failure, Verdict)> = vec![
            (Failure::Connect, retry),
            (Failure::Timeout, retry),
            (status(401, "invalid api key"), cool),
            (status(402, "payment required"), cool),
            (status(403, "forbidden"), cool),
            (status(429, "rate limited"), cool),
            (status(408, "timeout"), retry),
            (status(500, "oops"), retry),
            (status(502, "bad gateway"), retry),
            (status(503, "overloaded"), retry),
            (status(529, "overloaded"), retry),
            (status(400, "Insufficient Balance"), cool),
            (status(400, "You exceeded your current quota"), cool),
            (status(400, "no credits left"), cool),
            (status(400, "messages: invalid"), fatal),
            (status(404, "model not found"), fatal),
            (status(413, "too large"), fatal),
            (status(422, "unprocessable"), fatal),
        ];
        for (failure, expected) in cases {
            assert_eq!(classify(&failure), expected, "{failure:?}");
        }
        let with_retry_after = Failure::Status {
            status: 429,
            message: String::new(),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(
            classify(&with_retry_after).cool_down,
            Some(Some(Duration::from_secs(7)))
        );
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}

//! How numbers and times read on the dashboard: UTC times to the minute, counts with
//! thousands separators, rates as percentages, durations, shortened texts; and the days
//! that date inputs send.

use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use super::i18n::t;

/// `2026-11-22 18:48 UTC`, or "never".
pub fn when(at: Option<OffsetDateTime>) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| t("never").to_owned())
}

/// `1234567` → `1,234,567`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `part` of `whole` as `97.5%`; "–" when there is nothing to divide.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// `850 ms` or `12.3 s`; "–" when not measured.
pub fn millis(ms: Option<f64>) -> String {
    match ms {
        None => "–".to_owned(),
        Some(ms) if ms < 999.5 => format!("{ms:.0} ms"),
        Some(ms) => format!("{:.1} s", ms / 1000.0),
    }
}

/// The first `max` characters of `text`, with "…" when it is cut.
pub fn preview(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{}…", head.trim_end())
    } else {
        head
    }
}

/// A `YYYY-MM-DD` day (what a date input sends) as its UTC midnight; empty is none.
pub fn parse_day(text: &str) -> Result<Option<OffsetDateTime>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| ())?;
    Ok(Some(
        PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_utc(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_in_ms_or_seconds() {
        assert_eq!(millis(Some(850.0)), "850 ms");
        assert_eq!(millis(Some(12_345.0)), "12.3 s");
        assert_eq!(millis(None), "–");
    }

    #[test]
    fn days_are_utc_midnights_and_empty_is_none() {
        assert_eq!(
            parse_day(" 2026-11-01 "),
            Ok(Some(time::macros::datetime!(2026-11-01 0:00 UTC)))
        );
        assert_eq!(parse_day(""), Ok(None));
        assert_eq!(parse_day("2026-13-01"), Err(()));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-12_345), "-12,345");
    }

    #[test]
    fn rates_have_one_decimal_and_survive_zero() {
        assert_eq!(percent(39, 40), "97.5%");
        assert_eq!(percent(0, 0), "–");
    }

    #[test]
    fn times_are_utc_to_the_minute() {
        let at = time::macros::datetime!(2026-11-22 20:48:31 +02:00);
        assert_eq!(when(Some(at)), "2026-11-22 18:48 UTC");
    }
}

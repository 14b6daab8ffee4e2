//! The stats page: the user's traffic over a range (the last 24 hours, 7 or 30 days, or
//! chosen dates), read from the hourly rollups: totals, requests and tokens over time as
//! SVG bar charts, and the same per upstream key and per model.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::log_queries::{self, LogFilter};
use store::stats::{self, Granularity, Stats, Totals};
use time::macros::format_description;
use time::{Duration, OffsetDateTime, Time};

use super::charts::{Bar, BarChart};
use super::format::{count, millis, parse_day, percent, when};
use super::i18n::{Ui, t, tf};
use super::pages::{Problem, render};
use super::session::SessionUser;
use crate::app::AppState;

/// The longest range one can choose: the rollups are kept about this long by default
/// (`NEXUS_STATS_RETENTION_DAYS`), and a bar per day stays drawable.
const MAX_DAYS: i64 = 400;

/// The range chooser as sent. Text fields, so that nonsense becomes a message on the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatsQuery {
    /// `24h`, `7d`, `30d` or `custom` (the dates); empty: the dates if any, else 7 days.
    range: String,
    from: String,
    to: String,
}

/// A range to sum up: `[from, to)`, and how it was chosen.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    from: OffsetDateTime,
    to: OffsetDateTime,
    /// `24h`, `7d`, `30d` or `custom`.
    preset: &'static str,
}

/// The range asked for, or the message that says what is wrong with it. Day ranges are
/// whole UTC days, today included; the last 24 hours are 24 whole hours, this one included.
fn parse_span(query: &StatsQuery, now: OffsetDateTime) -> Result<Span, String> {
    let now = now.to_offset(time::UtcOffset::UTC);
    let today = now.replace_time(Time::MIDNIGHT);
    let dates_given = !query.from.trim().is_empty() || !query.to.trim().is_empty();
    let days = |n: i64, preset| Span {
        from: today - Duration::days(n - 1),
        to: now,
        preset,
    };
    match query.range.trim() {
        "24h" => Ok(Span {
            from: Granularity::Hour.truncate(now) - Duration::hours(23),
            to: now,
            preset: "24h",
        }),
        "7d" => Ok(days(7, "7d")),
        "30d" => Ok(days(30, "30d")),
        "" if !dates_given => Ok(days(7, "7d")),
        "" | "custom" => custom_span(query, now, today),
        _ => Err(t("Choose a time range from the list.").to_owned()),
    }
}

fn custom_span(
    query: &StatsQuery,
    now: OffsetDateTime,
    today: OffsetDateTime,
) -> Result<Span, String> {
    let from = parse_day(&query.from)
        .map_err(|()| t("The start date is not a date.").to_owned())?
        .ok_or_else(|| t("Choose a start date.").to_owned())?;
    let last = parse_day(&query.to)
        .map_err(|()| t("The end date is not a date.").to_owned())?
        .unwrap_or(today);
    if from > today {
        return Err(t("The start date is in the future.").to_owned());
    }
    if last < from {
        return Err(t("The end date is before the start date.").to_owned());
    }
    if last - from >= Duration::days(MAX_DAYS) {
        return Err(tf("Choose at most {} days.", &[&MAX_DAYS]));
    }
    // The end date counts whole; nothing after now is drawn. At least an hour, so that a
    // range starting this very instant still has one.
    let to = (last + Duration::DAY).min(now).max(from + Duration::HOUR);
    Ok(Span {
        from,
        to,
        preset: "custom",
    })
}

fn day_text(at: OffsetDateTime) -> String {
    at.date()
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The figures of one set of requests, as the page shows them.
struct Figures {
    requests: String,
    successes: String,
    errors: String,
    failovers: String,
    success_rate: String,
    tokens_in: String,
    tokens_out: String,
    cache_read: String,
    cache_write: String,
    avg_latency: String,
    p95_latency: String,
}

impl Figures {
    fn of(totals: &Totals) -> Figures {
        Figures {
            requests: count(totals.requests),
            successes: count(totals.successes),
            errors: count(totals.errors),
            failovers: count(totals.failovers),
            success_rate: percent(totals.successes, totals.requests),
            tokens_in: count(totals.input_tokens),
            tokens_out: count(totals.output_tokens),
            cache_read: count(totals.cache_read_tokens),
            cache_write: count(totals.cache_write_tokens),
            avg_latency: millis(totals.avg_latency_ms),
            p95_latency: millis(totals.p95_latency_ms),
        }
    }
}

struct KeyRow {
    name: String,
    /// The logs of this key over the same days; none for requests that reached no key.
    logs: Option<String>,
    figures: Figures,
}

struct ModelRow {
    requested: String,
    target: String,
    logs: String,
    figures: Figures,
}

/// One hour or day with requests, for the table under the charts.
struct PeriodRow {
    when: String,
    figures: Figures,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    ui: Ui,
    query: StatsQuery,
    /// The range in effect, for the chooser (`custom` when dates were chosen).
    preset: &'static str,
    error: Option<String>,
    /// "2026-11-16 00:00 UTC to 2026-11-22 19:20 UTC".
    range_text: String,
    hourly: bool,
    /// Nothing in the range (and whether there ever was anything).
    empty: bool,
    never_used: bool,
    totals: Option<Figures>,
    requests_chart: String,
    tokens_chart: String,
    periods: Vec<PeriodRow>,
    keys: Vec<KeyRow>,
    models: Vec<ModelRow>,
}

impl StatsPage {
    fn new(ui: Ui, query: StatsQuery) -> StatsPage {
        StatsPage {
            ui,
            query,
            preset: "",
            error: None,
            range_text: String::new(),
            hourly: false,
            empty: true,
            never_used: false,
            totals: None,
            requests_chart: String::new(),
            tokens_chart: String::new(),
            periods: Vec::new(),
            keys: Vec::new(),
            models: Vec::new(),
        }
    }
}

/// `GET /stats`.
pub async fn page(
    State(state): State<AppState>,
    ui: Ui,
    SessionUser { user, .. }: SessionUser,
    Query(query): Query<StatsQuery>,
) -> Response {
    let mut page = StatsPage::new(ui, query);
    let span = match parse_span(&page.query, OffsetDateTime::now_utc()) {
        Ok(span) => span,
        Err(message) => {
            page.preset = "custom";
            page.error = Some(message);
            let mut response = render(&page);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    let granularity = Granularity::for_range(span.from, span.to);
    let stats = match stats::stats(&state.pool, user.id, span.from, span.to, granularity).await {
        Ok(stats) => stats,
        Err(err) => return Problem::from(err).into_response(),
    };
    page.preset = span.preset;
    // The date fields show the days of the range in effect, ready to adjust.
    page.query.from = day_text(span.from);
    page.query.to = day_text(span.to - Duration::MICROSECOND);
    page.range_text = tf(
        "{} to {}",
        &[&when(Some(stats.from)), &when(Some(stats.to))],
    );
    page.hourly = granularity == Granularity::Hour;
    if stats.totals.requests == 0 && stats.totals.failovers == 0 {
        // Anything ever logged? Decides between "nothing here" and "how to start".
        let any = log_queries::list(&state.pool, user.id, &LogFilter::default(), None, 1).await;
        page.never_used = match any {
            Ok(listed) => listed.rows.is_empty(),
            Err(err) => return Problem::from(err).into_response(),
        };
        return render(&page);
    }
    fill(&mut page, &stats, &span);
    render(&page)
}

/// A bar's tooltip and stacked parts, from the totals of its period and the period's name.
type BarParts<'a> = &'a dyn Fn(&Totals, &str) -> (String, Vec<i64>);

/// Everything drawn from the stats of a range that has requests.
fn fill(page: &mut StatsPage, stats: &Stats, span: &Span) {
    page.empty = false;
    page.totals = Some(Figures::of(&stats.totals));
    let range = page.range_text.clone();
    let hourly = page.hourly;
    let point_time = |start: OffsetDateTime| {
        if hourly {
            when(Some(start))
        } else {
            day_text(start)
        }
    };
    let label = |start: OffsetDateTime| {
        let format = if hourly {
            format_description!("[hour]:00")
        } else {
            format_description!("[month]-[day]")
        };
        start.format(format).unwrap_or_default()
    };
    // One stacked bar per point of the series; `bar` gives its tooltip and its parts.
    let chart = |id: &str, title: String, classes, bar: BarParts| {
        let bars = stats
            .series
            .iter()
            .map(|point| {
                let (title, values) = bar(&point.totals, &point_time(point.start));
                Bar {
                    label: label(point.start),
                    title,
                    values,
                }
            })
            .collect();
        BarChart {
            id: id.into(),
            title,
            classes,
            bars,
        }
        .svg()
    };
    let all = &stats.totals;
    let requests_args: [&dyn std::fmt::Display; 3] =
        [&range, &count(all.requests), &count(all.errors)];
    let requests_title = if hourly {
        tf(
            "Requests per hour, {}: {} in all, {} failed.",
            &requests_args,
        )
    } else {
        tf(
            "Requests per day, {}: {} in all, {} failed.",
            &requests_args,
        )
    };
    page.requests_chart = chart(
        "requests-chart",
        requests_title,
        vec!["bar-ok", "bar-err"],
        &|t, at| {
            let title = tf(
                "{}: {} requests, {} failed",
                &[&at, &count(t.requests), &count(t.errors)],
            );
            (title, vec![t.successes, t.errors])
        },
    );
    let tokens_args: [&dyn std::fmt::Display; 4] = [
        &range,
        &count(all.input_tokens),
        &count(all.cache_read_tokens),
        &count(all.output_tokens),
    ];
    let tokens_title = if hourly {
        tf(
            "Tokens per hour, {}: {} in, {} cached, {} out.",
            &tokens_args,
        )
    } else {
        tf(
            "Tokens per day, {}: {} in, {} cached, {} out.",
            &tokens_args,
        )
    };
    page.tokens_chart = chart(
        "tokens-chart",
        tokens_title,
        vec!["bar-in", "bar-cached", "bar-out"],
        &|t, at| {
            let title = tf(
                "{}: {} in, {} cached, {} out",
                &[
                    &at,
                    &count(t.input_tokens),
                    &count(t.cache_read_tokens),
                    &count(t.output_tokens),
                ],
            );
            (
                title,
                vec![t.input_tokens, t.cache_read_tokens, t.output_tokens],
            )
        },
    );
    page.periods = stats
        .series
        .iter()
        .filter(|point| point.totals.requests > 0 || point.totals.failovers > 0)
        .map(|point| PeriodRow {
            when: point_time(point.start),
            figures: Figures::of(&point.totals),
        })
        .collect();
    let days = logs_days(span);
    page.keys = stats
        .per_key
        .iter()
        .map(|key| KeyRow {
            name: match (&key.name, key.upstream_key_id) {
                (Some(name), _) => name.clone(),
                (None, Some(_)) => t("deleted key").to_owned(),
                (None, None) => t("no key reached").to_owned(),
            },
            logs: key
                .upstream_key_id
                .filter(|_| key.name.is_some())
                .map(|id| logs_link(&days, &[("key", &id.to_string())])),
            figures: Figures::of(&key.totals),
        })
        .collect();
    page.models = stats
        .per_model
        .iter()
        .map(|model| ModelRow {
            requested: model.requested_model.clone(),
            target: model.target_model.clone().unwrap_or_default(),
            logs: logs_link(&days, &[("model", &model.requested_model)]),
            figures: Figures::of(&model.totals),
        })
        .collect();
}

/// The logs page's time filter for a span: its preset when the logs page has the same one,
/// else its days.
fn logs_days(span: &Span) -> Vec<(&'static str, String)> {
    match span.preset {
        "24h" => vec![("range", "24h".to_owned())],
        _ => vec![
            ("from", day_text(span.from)),
            ("to", day_text(span.to - Duration::MICROSECOND)),
        ],
    }
}

fn logs_link(days: &[(&'static str, String)], filter: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in filter {
        query.append_pair(name, value);
    }
    for (name, value) in days {
        query.append_pair(name, value);
    }
    format!("/logs?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn query(range: &str, from: &str, to: &str) -> StatsQuery {
        StatsQuery {
            range: range.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-11-22 19:20:30 UTC);

    #[test]
    fn presets_are_whole_hours_or_days() {
        let span = parse_span(&query("24h", "", ""), NOW).expect("24h");
        assert_eq!(span.from, datetime!(2026-11-21 20:00 UTC));
        assert_eq!(span.to, NOW);
        assert_eq!(
            Granularity::for_range(span.from, span.to),
            Granularity::Hour
        );

        let span = parse_span(&query("7d", "2020-01-01", ""), NOW).expect("7d");
        assert_eq!(
            span.from,
            datetime!(2026-11-16 00:00 UTC),
            "today and six days"
        );
        assert_eq!(span.preset, "7d", "a preset wins over dates");
        assert_eq!(Granularity::for_range(span.from, span.to), Granularity::Day);

        assert_eq!(
            parse_span(&query("", "", ""), NOW).expect("default").preset,
            "7d"
        );
        let span = parse_span(&query("30d", "", ""), NOW).expect("30d");
        assert_eq!(span.from, datetime!(2026-10-24 00:00 UTC));
    }

    #[test]
    fn custom_dates_count_the_end_day_whole() {
        let span = parse_span(&query("custom", "2026-11-01", "2026-11-02"), NOW).expect("dates");
        assert_eq!(span.from, datetime!(2026-11-01 00:00 UTC));
        assert_eq!(span.to, datetime!(2026-11-03 00:00 UTC));
        assert_eq!(span.preset, "custom");
        // Dates without a range (a link) are custom too; the end defaults to today, cut at now.
        let span = parse_span(&query("", "2026-11-20", ""), NOW).expect("from only");
        assert_eq!(span.to, NOW);
        let span = parse_span(&query("custom", "2026-11-22", "2026-12-30"), NOW).expect("today");
        assert_eq!(span.to, NOW);
        assert_eq!(
            Granularity::for_range(span.from, span.to),
            Granularity::Hour
        );
    }

    #[test]
    fn nonsense_gets_a_message() {
        for q in [
            query("forever", "", ""),
            query("custom", "", ""),
            query("custom", "yesterday", ""),
            query("custom", "2026-11-01", "2026-13-01"),
            query("custom", "2026-11-05", "2026-11-01"),
            query("custom", "2026-11-23", ""),
            query("custom", "2024-01-01", "2026-11-01"),
        ] {
            assert!(parse_span(&q, NOW).is_err(), "{q:?}");
        }
        assert!(parse_span(&query("custom", "2025-10-19", "2026-11-22"), NOW).is_ok());
    }

    #[test]
    fn logs_links_keep_the_days() {
        let span = parse_span(&query("7d", "", ""), NOW).expect("7d");
        let link = logs_link(&logs_days(&span), &[("model", "claude sonnet&x")]);
        assert_eq!(
            link,
            "/logs?model=claude+sonnet%26x&from=2026-11-16&to=2026-11-22"
        );
        let span = parse_span(&query("24h", "", ""), NOW).expect("24h");
        assert_eq!(
            logs_link(&logs_days(&span), &[("key", "k")]),
            "/logs?key=k&range=24h"
        );
    }

    #[test]
    fn latencies_read_in_ms_or_seconds() {
        assert_eq!(millis(None), "–");
        assert_eq!(millis(Some(120.4)), "120 ms");
        assert_eq!(millis(Some(999.7)), "1.0 s");
        assert_eq!(millis(Some(12_345.0)), "12.3 s");
    }
}

//! The logs page: the user's gateway requests of the last 30 days, newest first, in
//! keyset pages, with filters; and one request in full (`/logs/{id}`), error text included.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::log_queries::{self, Cursor, LogFilter, LogRow};
use time::macros::format_description;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::format::{count, millis, parse_day, preview, when};
use super::i18n::{Ui, t};
use super::pages::{IdPath, Problem, render};
use super::session::SessionUser;
use crate::app::AppState;

/// Rows per page: a screenful or two.
const PAGE_SIZE: i64 = 50;
/// How far back logs go (older partitions are dropped).
const KEPT_DAYS: i64 = 30;
/// Longest error shown in a row; the detail page has the rest.
const ERROR_PREVIEW_CHARS: usize = 90;

/// The filter form as sent: every field is text, so that nonsense becomes a message on the
/// page rather than a bare rejection.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    range: String,
    from: String,
    to: String,
    result: String,
    model: String,
    key: String,
    stream: String,
    after: String,
}

impl LogQuery {
    /// Whether any filter is set (the cursor is not a filter).
    fn filtered(&self) -> bool {
        !self.filter_query().is_empty()
    }

    /// The query string of these filters (without the cursor), for paging links.
    fn filter_query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
            ("result", &self.result),
            ("model", &self.model),
            ("key", &self.key),
            ("stream", &self.stream),
        ] {
            if !value.trim().is_empty() {
                out.append_pair(name, value.trim());
            }
        }
        out.finish()
    }
}

/// The filter, or the message that says which field is wrong.
fn parse_filter(query: &LogQuery, now: OffsetDateTime) -> Result<LogFilter, String> {
    let mut filter = LogFilter {
        since: Some(now - Duration::days(KEPT_DAYS)),
        ..LogFilter::default()
    };
    match query.range.trim() {
        "" | "30d" => {}
        "1h" => filter.since = Some(now - Duration::HOUR),
        "24h" => filter.since = Some(now - Duration::DAY),
        "7d" => filter.since = Some(now - Duration::days(7)),
        _ => return Err(t("Choose a time range from the list.").to_owned()),
    }
    let from =
        parse_day(&query.from).map_err(|()| t("The start date is not a date.").to_owned())?;
    let to = parse_day(&query.to).map_err(|()| t("The end date is not a date.").to_owned())?;
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(t("The end date is before the start date.").to_owned());
    }
    if let Some(from) = from {
        filter.since = Some(from);
    }
    // The end date is inclusive: the whole day.
    filter.until = to.map(|to| to + Duration::DAY);
    filter.success = match query.result.trim() {
        "" | "all" => None,
        "ok" => Some(true),
        "error" => Some(false),
        _ => return Err(t("Choose ok, error or all.").to_owned()),
    };
    filter.stream = match query.stream.trim() {
        "" | "all" => None,
        "yes" => Some(true),
        "no" => Some(false),
        _ => return Err(t("Choose streamed, not streamed or all.").to_owned()),
    };
    let model = query.model.trim();
    if model.len() > 200 {
        return Err(t("The model name is too long.").to_owned());
    }
    filter.requested_model = (!model.is_empty()).then(|| model.to_owned());
    filter.upstream_key_id = match query.key.trim() {
        "" => None,
        key => Some(
            Uuid::try_parse(key)
                .map_err(|_| t("Choose an upstream key from the list.").to_owned())?,
        ),
    };
    Ok(filter)
}

struct KeyOption {
    id: String,
    name: String,
}

/// One request as a row of the table.
struct Row {
    id: String,
    when: String,
    requested_model: String,
    target_model: String,
    key: String,
    success: bool,
    status: i32,
    tokens_in: String,
    tokens_out: String,
    tokens_cached: String,
    latency: String,
    ttfb: String,
    stream: bool,
    attempts: i16,
    error: Option<String>,
}

impl Row {
    fn of(row: &LogRow) -> Row {
        let e = &row.entry;
        Row {
            id: e.id.to_string(),
            when: when(Some(e.created_at)),
            requested_model: e.requested_model.clone(),
            target_model: e.target_model.clone().unwrap_or_default(),
            key: key_label(row),
            success: e.success,
            status: e.status_code,
            tokens_in: count(i64::from(e.input_tokens)),
            tokens_out: count(i64::from(e.output_tokens)),
            tokens_cached: count(i64::from(e.cache_read_tokens)),
            latency: millis(Some(f64::from(e.latency_ms))),
            ttfb: millis(e.ttfb_ms.map(f64::from)),
            stream: e.stream,
            attempts: e.attempts,
            error: e
                .error_message
                .as_deref()
                .map(|m| preview(m, ERROR_PREVIEW_CHARS)),
        }
    }
}

fn key_label(row: &LogRow) -> String {
    match (&row.upstream_key_name, row.entry.upstream_key_id) {
        (Some(name), _) => name.clone(),
        (None, Some(_)) => t("deleted key").to_owned(),
        (None, None) => "–".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "logs.html")]
struct LogsPage {
    ui: Ui,
    query: LogQuery,
    keys: Vec<KeyOption>,
    error: Option<String>,
    rows: Vec<Row>,
    /// The link to the next (older) page.
    older: Option<String>,
    /// Whether this is a later page (a link back to the newest).
    paged: bool,
    newest: String,
    filtered: bool,
}

/// `GET /logs`.
pub async fn page(
    State(state): State<AppState>,
    ui: Ui,
    SessionUser { user, .. }: SessionUser,
    Query(query): Query<LogQuery>,
) -> Response {
    let keys = match store::upstream_keys::list(&state.pool, user.id).await {
        Ok(keys) => keys
            .into_iter()
            .map(|k| KeyOption {
                id: k.id.to_string(),
                name: k.name,
            })
            .collect(),
        Err(err) => return Problem::from(err).into_response(),
    };
    let filter_query = query.filter_query();
    let newest = if filter_query.is_empty() {
        "/logs".to_owned()
    } else {
        format!("/logs?{filter_query}")
    };
    let mut page = LogsPage {
        ui,
        keys,
        error: None,
        rows: Vec::new(),
        older: None,
        paged: !query.after.trim().is_empty(),
        newest,
        filtered: query.filtered(),
        query,
    };
    let parsed = parse_filter(&page.query, OffsetDateTime::now_utc()).and_then(|filter| {
        let after = match page.query.after.trim() {
            "" => None,
            text => Some(Cursor::decode(text).map_err(|_| {
                t("This page link is broken. Start again from the newest.").to_owned()
            })?),
        };
        Ok((filter, after))
    });
    let (filter, after) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => {
            page.error = Some(message);
            let mut response = render(&page);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    let listed = match log_queries::list(&state.pool, user.id, &filter, after, PAGE_SIZE).await {
        Ok(listed) => listed,
        Err(err) => return Problem::from(err).into_response(),
    };
    page.rows = listed.rows.iter().map(Row::of).collect();
    page.older = listed.next.map(|cursor| {
        let mut link = format!("/logs?after={}", cursor.encode());
        if !filter_query.is_empty() {
            link.push('&');
            link.push_str(&filter_query);
        }
        link
    });
    render(&page)
}

/// Every field of one request, for the detail page.
struct Detail {
    id: String,
    when: String,
    requested_model: String,
    target_model: String,
    provider: String,
    key: String,
    client_key: String,
    success: bool,
    status: i32,
    error_type: Option<String>,
    error_message: Option<String>,
    stream: bool,
    tokens_in: String,
    tokens_out: String,
    cache_read: String,
    cache_write: String,
    latency: String,
    ttfb: String,
    attempts: i16,
    /// Names of the keys tried, in order; the last one answered.
    tried: Vec<String>,
}

#[derive(Template)]
#[template(path = "log_detail.html")]
struct DetailPage {
    ui: Ui,
    log: Detail,
}

/// `GET /logs/{id}`: another user's id, or one that is not an id, is not found.
pub async fn detail(
    State(state): State<AppState>,
    ui: Ui,
    SessionUser { user, .. }: SessionUser,
    IdPath(id): IdPath,
) -> Response {
    let loaded = async {
        let row = log_queries::get(&state.pool, user.id, id).await?;
        let keys = store::upstream_keys::list(&state.pool, user.id).await?;
        let client_keys = store::api_keys::list(&state.pool, user.id).await?;
        Ok::<_, store::Error>((row, keys, client_keys))
    }
    .await;
    let (row, keys, client_keys) = match loaded {
        Ok((Some(row), keys, client_keys)) => (row, keys, client_keys),
        Ok((None, ..)) => return Problem::not_found().into_response(),
        Err(err) => return Problem::from(err).into_response(),
    };
    let names: HashMap<Uuid, String> = keys.into_iter().map(|k| (k.id, k.name)).collect();
    let e = &row.entry;
    let client_key = match e.api_key_id {
        None => "–".to_owned(),
        Some(id) => client_keys
            .iter()
            .find(|k| k.id == id)
            .map(|k| format!("{} ({}…)", k.name, k.prefix))
            .unwrap_or_else(|| t("revoked key").to_owned()),
    };
    let log = Detail {
        id: e.id.to_string(),
        when: e
            .created_at
            .format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC"
            ))
            .unwrap_or_default(),
        requested_model: e.requested_model.clone(),
        target_model: e.target_model.clone().unwrap_or_else(|| "–".to_owned()),
        provider: e.provider.clone().unwrap_or_else(|| "–".to_owned()),
        key: key_label(&row),
        client_key,
        success: e.success,
        status: e.status_code,
        error_type: e.error_type.clone(),
        error_message: e.error_message.clone(),
        stream: e.stream,
        tokens_in: count(i64::from(e.input_tokens)),
        tokens_out: count(i64::from(e.output_tokens)),
        cache_read: count(i64::from(e.cache_read_tokens)),
        cache_write: count(i64::from(e.cache_write_tokens)),
        latency: millis(Some(f64::from(e.latency_ms))),
        ttfb: millis(e.ttfb_ms.map(f64::from)),
        attempts: e.attempts,
        tried: e
            .upstream_keys_tried
            .iter()
            .map(|id| {
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| t("deleted key").to_owned())
            })
            .collect(),
    };
    render(&DetailPage { ui, log })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> LogQuery {
        let text = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let uri: axum::http::Uri = format!("/logs?{text}").parse().expect("uri");
        Query::<LogQuery>::try_from_uri(&uri).expect("query").0
    }

    #[test]
    fn filters_are_read_from_the_form() {
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);
        let filter = parse_filter(&query(&[]), now).expect("empty");
        assert_eq!(filter.since, Some(now - Duration::days(30)));
        assert_eq!(filter.until, None);

        let key = Uuid::now_v7();
        let filter = parse_filter(
            &query(&[
                ("range", "24h"),
                ("result", "error"),
                ("stream", "no"),
                ("model", " claude-sonnet-4-5 "),
                ("key", &key.to_string()),
            ]),
            now,
        )
        .expect("filters");
        assert_eq!(filter.since, Some(now - Duration::DAY));
        assert_eq!(filter.success, Some(false));
        assert_eq!(filter.stream, Some(false));
        assert_eq!(filter.requested_model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(filter.upstream_key_id, Some(key));

        let filter = parse_filter(&query(&[("from", "2026-11-01"), ("to", "2026-11-02")]), now)
            .expect("dates");
        assert_eq!(
            filter.since,
            Some(time::macros::datetime!(2026-11-01 0:00 UTC))
        );
        assert_eq!(
            filter.until,
            Some(time::macros::datetime!(2026-11-03 0:00 UTC)),
            "the end day is included"
        );
    }

    #[test]
    fn nonsense_gets_a_message_not_a_filter() {
        let now = OffsetDateTime::now_utc();
        for pairs in [
            [("range", "forever")],
            [("from", "yesterday")],
            [("to", "2026-13-01")],
            [("result", "maybe")],
            [("stream", "sometimes")],
            [("key", "not-a-uuid")],
        ] {
            assert!(parse_filter(&query(&pairs), now).is_err(), "{pairs:?}");
        }
        let reversed = query(&[("from", "2026-11-05"), ("to", "2026-11-01")]);
        assert!(parse_filter(&reversed, now).is_err());
    }

    #[test]
    fn paging_links_keep_the_filters() {
        let q = query(&[("result", "error"), ("model", "a b"), ("after", "x")]);
        assert_eq!(q.filter_query(), "result=error&model=a+b");
        assert!(q.filtered());
        assert!(!query(&[("after", "1_2")]).filtered());
    }
}

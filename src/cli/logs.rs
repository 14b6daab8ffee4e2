//! `nexus logs LOGIN`: a user's gateway requests, newest first; `nexus logs prune`: apply
//! the retention now.

use anyhow::bail;
use clap::{Args, Subcommand};
use store::log_queries::{self, LogFilter, LogRow};
use store::{upstream_keys, users};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};

use super::table::Table;
use super::{Context, timestamp};
use crate::maintenance;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LogsArgs {
    #[command(subcommand)]
    command: Option<LogsCommand>,
    /// The user whose requests to list.
    #[arg(required = true)]
    login: Option<String>,
    /// Only requests since then: a duration back from now (30m, 24h, 7d, 2w) or a UTC
    /// date or time (2026-11-20, 2026-11-20T10:00:00Z).
    #[arg(long, value_name = "DURATION_OR_TIME", value_parser = parse_since)]
    since: Option<OffsetDateTime>,
    /// Only failed requests.
    #[arg(long)]
    errors: bool,
    /// Only requests for this model, as the client named it.
    #[arg(long)]
    model: Option<String>,
    /// Only requests answered by this upstream key (its name).
    #[arg(long)]
    key: Option<String>,
    /// How many requests to show, newest first (1-1000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=1000))]
    limit: i64,
}

#[derive(Debug, Subcommand)]
enum LogsCommand {
    /// Drop the log partitions and stats rollups past their retention now (the server
    /// does it hourly).
    Prune,
}

impl LogsArgs {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        if let Some(LogsCommand::Prune) = self.command {
            return prune(ctx).await;
        }
        let Some(login) = self.login else {
            bail!("name the user whose logs to list");
        };
        let user = users::by_login(ctx.pool(), &login).await?;
        let upstream_key_id = match &self.key {
            Some(name) => Some(upstream_keys::by_name(ctx.pool(), user.id, name).await?.id),
            None => None,
        };
        let filter = LogFilter {
            since: self.since,
            success: self.errors.then_some(false),
            requested_model: self.model,
            upstream_key_id,
            ..LogFilter::default()
        };
        let page = log_queries::list(ctx.pool(), user.id, &filter, None, self.limit).await?;
        if ctx.json {
            return ctx.print_json(&page.rows);
        }
        if page.rows.is_empty() {
            println!("no gateway logs for {} match", user.login);
            return Ok(());
        }
        println!("{}", render(&page.rows));
        if page.next.is_some() {
            println!(
                "(the newest {} shown; --limit or --since for others)",
                page.rows.len()
            );
        }
        Ok(())
    }
}

fn render(rows: &[LogRow]) -> String {
    let mut table = Table::new(&[
        "TIME", "MODEL", "KEY", "STATUS", "STREAM", "IN", "OUT", "CACHED", "LATENCY", "TTFB",
        "ERROR",
    ]);
    for row in rows {
        let e = &row.entry;
        let model = match &e.target_model {
            Some(target) if *target != e.requested_model => {
                format!("{} -> {target}", e.requested_model)
            }
            _ => e.requested_model.clone(),
        };
        let key = match (&row.upstream_key_name, e.upstream_key_id) {
            (Some(name), _) => name.clone(),
            (None, Some(_)) => "(deleted)".to_owned(),
            (None, None) => "-".to_owned(),
        };
        let status = format!(
            "{} {}",
            e.status_code,
            if e.success { "ok" } else { "error" }
        );
        let error: String = e
            .error_message
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(60)
            .collect();
        table.row(vec![
            timestamp(e.created_at),
            model,
            key,
            status,
            if e.stream { "yes" } else { "no" }.to_owned(),
            e.input_tokens.to_string(),
            e.output_tokens.to_string(),
            format!("{}/{}", e.cache_read_tokens, e.cache_write_tokens),
            format!("{}ms", e.latency_ms),
            e.ttfb_ms
                .map_or_else(|| "-".to_owned(), |ms| format!("{ms}ms")),
            error,
        ]);
    }
    table.render()
}

async fn prune(ctx: &Context) -> anyhow::Result<()> {
    let retention = maintenance::retention(&ctx.config);
    let Some(report) = maintenance::prune(ctx.pool(), retention).await? else {
        bail!("another Nexus process is pruning right now; try again in a moment");
    };
    if ctx.json {
        return ctx.print_json(&report);
    }
    let partitions = &report.dropped_partitions;
    if partitions.is_empty() {
        println!(
            "no log partitions before {} to drop",
            timestamp(report.logs_before)
        );
    } else {
        println!(
            "dropped {} log partition(s) before {}: {}",
            partitions.len(),
            timestamp(report.logs_before),
            partitions.join(", ")
        );
    }
    println!(
        "deleted {} stats rollup row(s) before {}",
        report.rollups_deleted,
        timestamp(report.stats_before)
    );
    Ok(())
}

/// Parses `--since`: a duration back from now (`90s`, `30m`, `24h`, `7d`, `2w`), an RFC 3339
/// time, or a date (UTC midnight). It must lie in the past.
pub(super) fn parse_since(text: &str) -> Result<OffsetDateTime, String> {
    let now = OffsetDateTime::now_utc();
    let text = text.trim();
    let at = if let Some(ago) = parse_duration(text) {
        now - ago
    } else if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        at
    } else if let Ok(day) = Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        day.midnight().assume_utc()
    } else {
        return Err(
            "expected a duration (30m, 24h, 7d) or a UTC date or time (2026-11-20, \
             2026-11-20T10:00:00Z)"
                .to_owned(),
        );
    };
    if at > now {
        return Err("it lies in the future".to_owned());
    }
    Ok(at)
}

fn parse_duration(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let n: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    // A century back is as far as anything is kept.
    if !(0..=36_500 * 86_400).contains(&n) {
        return None;
    }
    let seconds = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3600)?,
        'd' => n.checked_mul(86_400)?,
        'w' => n.checked_mul(7 * 86_400)?,
        _ => return None,
    };
    (seconds <= 36_500 * 86_400).then(|| Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_dates_and_times() {
        let now = OffsetDateTime::now_utc();
        let near = |at: OffsetDateTime, expected: OffsetDateTime| {
            (at - expected).abs() < Duration::seconds(5)
        };
        assert!(near(
            parse_since("30m").expect("30m"),
            now - Duration::minutes(30)
        ));
        assert!(near(
            parse_since("24h").expect("24h"),
            now - Duration::hours(24)
        ));
        assert!(near(
            parse_since("7d").expect("7d"),
            now - Duration::days(7)
        ));
        assert!(near(
            parse_since("2w").expect("2w"),
            now - Duration::days(14)
        ));
        assert_eq!(
            parse_since("2026-01-02").expect("date"),
            time::macros::datetime!(2026-01-02 00:00 UTC)
        );
        assert_eq!(
            parse_since("2026-01-02T03:04:05+01:00").expect("time"),
            time::macros::datetime!(2026-01-02 02:04:05 UTC)
        );
        for bad in [
            "",
            "7",
            "d",
            "7y",
            "-3h",
            "yesterday",
            "2026-13-01",
            "999999999w",
        ] {
            assert!(parse_since(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(
            parse_since("2999-01-01")
                .expect_err("future")
                .contains("future")
        );
    }
}

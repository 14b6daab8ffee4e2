//! `nexus stats LOGIN`: a user's traffic over a range, from the hourly rollups.

use clap::Args;
use store::stats::{self, Granularity, Stats, Totals};
use store::users;
use time::{Duration, OffsetDateTime};

use super::table::Table;
use super::{Context, timestamp};

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The user whose traffic to sum up.
    login: String,
    /// Start of the range: a duration back from now (24h, 7d, 30d) or a UTC date or time
    /// (2026-11-20, 2026-11-20T10:00:00Z). Rounded down to the hour. Default: 7d.
    #[arg(long, value_name = "DURATION_OR_TIME", value_parser = super::logs::parse_since)]
    since: Option<OffsetDateTime>,
}

impl StatsArgs {
    pub async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let user = users::by_login(ctx.pool(), &self.login).await?;
        let to = OffsetDateTime::now_utc();
        let from = self.since.unwrap_or(to - Duration::days(7));
        let granularity = Granularity::for_range(from, to);
        let stats = stats::stats(ctx.pool(), user.id, from, to, granularity).await?;
        if ctx.json {
            return ctx.print_json(&stats);
        }
        print!("{}", render(&user.login, &stats));
        Ok(())
    }
}

fn render(login: &str, stats: &Stats) -> String {
    let t = &stats.totals;
    let mut out = format!(
        "{login}: {} to {}\n\n",
        timestamp(stats.from),
        timestamp(stats.to)
    );
    if t.requests == 0 && t.failovers == 0 {
        out.push_str("no requests in this range\n");
        return out;
    }
    out.push_str(&format!(
        "requests  {} ({} ok, {} failed, {} success; {} failovers)\n",
        t.requests,
        t.successes,
        t.errors,
        percent(t.success_rate),
        t.failovers
    ));
    out.push_str(&format!(
        "tokens    {} in, {} out, {} cache read, {} cache write\n",
        t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens
    ));
    out.push_str(&format!(
        "latency   {} average, {} p95\n\n",
        millis(t.avg_latency_ms),
        millis(t.p95_latency_ms)
    ));

    let mut keys = Table::new(&[
        "KEY", "ATTEMPTS", "REQUESTS", "FAILED", "SUCCESS", "IN", "OUT", "AVG", "P95",
    ]);
    for key in &stats.per_key {
        let name = match (&key.name, key.upstream_key_id) {
            (Some(name), _) => name.clone(),
            (None, Some(_)) => "(deleted)".to_owned(),
            (None, None) => "(no key)".to_owned(),
        };
        let mut cells = vec![name, key.totals.attempts().to_string()];
        cells.extend(figures(&key.totals));
        keys.row(cells);
    }
    out.push_str(&keys.render());
    out.push_str("\n\n");

    let mut models = Table::new(&[
        "MODEL", "REQUESTS", "FAILED", "SUCCESS", "IN", "OUT", "AVG", "P95",
    ]);
    for model in &stats.per_model {
        let name = match &model.target_model {
            Some(target) if *target != model.requested_model => {
                format!("{} -> {target}", model.requested_model)
            }
            _ => model.requested_model.clone(),
        };
        let mut cells = vec![name];
        cells.extend(figures(&model.totals));
        models.row(cells);
    }
    out.push_str(&models.render());
    out.push_str("\n\n");

    let when = match stats.granularity {
        Granularity::Hour => "HOUR",
        Granularity::Day => "DAY",
    };
    let mut series = Table::new(&[
        when, "REQUESTS", "FAILED", "SUCCESS", "IN", "OUT", "AVG", "P95",
    ]);
    // Only hours or days with traffic: the JSON output has every point.
    for point in stats.series.iter().filter(|p| p.totals.requests > 0) {
        let mut cells = vec![timestamp(point.start)];
        cells.extend(figures(&point.totals));
        series.row(cells);
    }
    out.push_str(&series.render());
    out.push('\n');
    out
}

/// REQUESTS, FAILED, SUCCESS, IN, OUT, AVG, P95.
fn figures(t: &Totals) -> Vec<String> {
    vec![
        t.requests.to_string(),
        t.errors.to_string(),
        percent(t.success_rate),
        t.input_tokens.to_string(),
        t.output_tokens.to_string(),
        millis(t.avg_latency_ms),
        millis(t.p95_latency_ms),
    ]
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn millis(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.0}ms"))
}

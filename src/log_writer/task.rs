//! The writer task: gathers rows into batches, writes one batch at a time while it keeps
//! taking rows from the queue, holds rows while the database is away, spills them to the
//! spool past the memory bound, and writes spooled rows back when the database keeps up.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use store::PgPool;
use store::gateway_logs::{self, LogEntry};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::spool::{Claimed, Spool};
use super::{Counters, WriterStatus};

mod overflow;

/// Largest batch per insert.
const BATCH: usize = 500;
/// How long a row may wait for others to share its insert.
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// A write that takes longer is abandoned and retried (inserts are idempotent).
const WRITE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long shutdown may spend on the database before it spools what is left.
const SHUTDOWN_BUDGET: Duration = Duration::from_secs(5);
/// How often to look for spool files that other processes left behind.
const SPOOL_CHECK_EVERY: Duration = Duration::from_secs(60);
/// After the spool failed, how long until spilling is tried again.
const SPILL_RETRY: Duration = Duration::from_secs(5);
/// When even the spool fails, memory holds this many times `memory_rows` before the
/// oldest rows are given up.
const HARD_LIMIT_FACTOR: usize = 10;

/// Rows being written, kept here too so that a write abandoned at shutdown loses nothing.
struct Batch {
    rows: Arc<Vec<LogEntry>>,
    from_spool: bool,
}

enum WriteError {
    Timeout,
    Db(store::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout => write!(f, "the database did not answer in time"),
            Self::Db(err) => err.fmt(f),
        }
    }
}

type Write = Pin<Box<dyn Future<Output = Result<u64, WriteError>> + Send>>;

/// A spool file being written back, and how many of its rows are stored.
struct Replay {
    claimed: Claimed,
    next: usize,
}

pub struct Task {
    pool: PgPool,
    rx: mpsc::Receiver<LogEntry>,
    counters: Arc<Counters>,
    spool: Arc<Mutex<Spool>>,
    memory_rows: usize,
    /// Received rows not being written yet.
    pending: Vec<LogEntry>,
    /// When the oldest pending row arrived.
    oldest: Option<Instant>,
    replay: Option<Replay>,
    /// Failed writes in a row; zero while the database takes rows.
    failures: u32,
    retry_at: Instant,
    spool_check_at: Instant,
    spill_retry_at: Instant,
}

impl Task {
    pub fn new(
        pool: PgPool,
        rx: mpsc::Receiver<LogEntry>,
        counters: Arc<Counters>,
        spool: Arc<Mutex<Spool>>,
        memory_rows: usize,
    ) -> Self {
        let now = Instant::now();
        Self {
            pool,
            rx,
            counters,
            spool,
            memory_rows: memory_rows.max(1),
            pending: Vec::new(),
            oldest: None,
            replay: None,
            failures: 0,
            retry_at: now,
            spool_check_at: now,
            spill_retry_at: now,
        }
    }

    /// Runs until every `LogWriter` is dropped and what they sent is stored, spooled or
    /// counted lost; returns the final counts.
    pub async fn run(mut self) -> WriterStatus {
        self.recount_spooled().await;
        let mut writing: Option<(Batch, Write)> = None;
        let mut open = true;
        while open {
            if writing.is_none() {
                writing = self.next_write().await;
            }
            let wake = self.next_wake(writing.is_some());
            tokio::select! {
                received = self.rx.recv() => match received {
                    Some(entry) => {
                        self.accept(entry);
                        // Take whatever else is queued in the same turn.
                        while let Ok(entry) = self.rx.try_recv() {
                            self.accept(entry);
                        }
                        self.spill_if_over().await;
                    }
                    None => open = false,
                },
                result = wait(&mut writing) => {
                    if let Some((batch, _)) = writing.take() {
                        self.written(batch, result).await;
                    }
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
        self.shutdown(writing).await
    }

    fn accept(&mut self, entry: LogEntry) {
        self.pending.push(entry);
        self.oldest.get_or_insert_with(Instant::now);
        self.counters.held.fetch_add(1, Ordering::Relaxed);
    }

    fn next_wake(&self, writing: bool) -> Instant {
        let now = Instant::now();
        let mut wake = now + Duration::from_secs(3600);
        if writing {
            return wake;
        }
        if self.failures > 0 {
            if self.oldest.is_some() {
                wake = wake.min(self.retry_at);
            }
            return wake;
        }
        if let Some(oldest) = self.oldest {
            wake = wake.min(oldest + FLUSH_EVERY);
        }
        if self.replay.is_none() {
            wake = wake.min(self.spool_check_at);
        }
        wake
    }

    /// Starts the next write, if one is due: held rows first, then spooled ones.
    async fn next_write(&mut self) -> Option<(Batch, Write)> {
        let now = Instant::now();
        if self.failures > 0 && now < self.retry_at {
            return None;
        }
        let due = self.pending.len() >= BATCH
            || self
                .oldest
                .is_some_and(|oldest| self.failures > 0 || now >= oldest + FLUSH_EVERY);
        if due {
            let n = self.pending.len().min(BATCH);
            let rows: Vec<LogEntry> = self.pending.drain(..n).collect();
            if self.pending.is_empty() {
                self.oldest = None;
            }
            return Some(self.write(rows, false, WRITE_TIMEOUT));
        }
        if self.failures > 0 {
            return None;
        }
        // The database answers and no held row is due: write spooled rows back, one file
        // at a time, a batch between the batches of new rows.
        loop {
            if self.replay.is_none() {
                if now < self.spool_check_at {
                    return None;
                }
                self.spool_check_at = now + SPOOL_CHECK_EVERY;
                let claimed = self.claim().await?;
                tracing::info!(file = %claimed.path.display(), rows = claimed.entries.len(),
                    "writing spooled gateway logs back to the database");
                self.replay = Some(Replay { claimed, next: 0 });
            }
            let replay = self.replay.as_ref()?;
            let total = replay.claimed.entries.len();
            if replay.next < total {
                let end = (replay.next + BATCH).min(total);
                let rows = replay.claimed.entries[replay.next..end].to_vec();
                return Some(self.write(rows, true, WRITE_TIMEOUT));
            }
            self.finish_replay().await;
            // Another file may be waiting.
            self.spool_check_at = now;
        }
    }

    fn write(&self, rows: Vec<LogEntry>, from_spool: bool, limit: Duration) -> (Batch, Write) {
        let rows = Arc::new(rows);
        let pool = self.pool.clone();
        let sent = rows.clone();
        let write = Box::pin(async move {
            match tokio::time::timeout(limit, gateway_logs::insert_batch(&pool, &sent)).await {
                Ok(result) => result.map_err(WriteError::Db),
                Err(_) => Err(WriteError::Timeout),
            }
        });
        (Batch { rows, from_spool }, write)
    }

    async fn written(&mut self, batch: Batch, result: Result<u64, WriteError>) {
        match result {
            Ok(_) => {
                self.recovered();
                self.done(&batch, batch.rows.len());
            }
            Err(WriteError::Db(err)) if gateway_logs::rows_rejected(&err) => {
                // The database answers but refuses something in this batch: find out
                // which rows, and store the others.
                self.recovered();
                let from_spool = batch.from_spool;
                let rows = unwrap_rows(batch.rows);
                let total = rows.len();
                let rest = self.write_one_by_one(rows).await;
                let finished = total - rest.len();
                if from_spool {
                    if let Some(replay) = &mut self.replay {
                        replay.next += finished;
                    }
                } else {
                    self.counters
                        .held
                        .fetch_sub(finished as u64, Ordering::Relaxed);
                }
                if !rest.is_empty() {
                    let rows = Arc::new(rest);
                    self.failed(Batch { rows, from_spool }, "the database went away")
                        .await;
                }
            }
            Err(err) => self.failed(batch, &err.to_string()).await,
        }
    }

    /// Accounts for `n` rows of `batch` that are now stored (or counted lost).
    fn done(&mut self, batch: &Batch, n: usize) {
        if batch.from_spool {
            if let Some(replay) = &mut self.replay {
                replay.next += n;
            }
        } else {
            self.counters.held.fetch_sub(n as u64, Ordering::Relaxed);
        }
    }

    fn recovered(&mut self) {
        if self.failures > 0 {
            tracing::info!("the database takes gateway logs again");
            self.failures = 0;
            // What was spilled meanwhile can be written back now.
            self.spool
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .seal();
            self.spool_check_at = Instant::now();
        }
    }

    async fn failed(&mut self, batch: Batch, why: &str) {
        self.failures += 1;
        self.retry_at = Instant::now() + super::backoff(self.failures);
        if self.failures == 1 {
            tracing::warn!(
                held = self.pending.len() + batch.rows.len(),
                "writing gateway logs failed, holding them until the database is back: {why}"
            );
        } else {
            tracing::debug!(
                failures = self.failures,
                "writing gateway logs failed: {why}"
            );
        }
        if batch.from_spool {
            // The file stays, to be claimed again later.
            self.replay = None;
        } else {
            let rows = unwrap_rows(batch.rows);
            self.pending.splice(0..0, rows);
            self.oldest.get_or_insert_with(Instant::now);
        }
        self.spill_if_over().await;
    }

    /// Writes rows singly to isolate those the database refuses, which are counted lost.
    /// A row whose day has no partition gets one (the retention job drops it again when
    /// it is old; the rollups keep the row's numbers). Returns the rows left unwritten
    /// when the database stops answering midway.
    async fn write_one_by_one(&self, rows: Vec<LogEntry>) -> Vec<LogEntry> {
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            let one = std::slice::from_ref(&row);
            let mut result = gateway_logs::insert_batch(&self.pool, one).await;
            if let Err(err) = &result
                && gateway_logs::missing_partition(err)
            {
                let day = row.created_at.to_offset(time::UtcOffset::UTC).date();
                tracing::warn!(%day, "creating a missing gateway log partition");
                result = match gateway_logs::create_partitions(&self.pool, day, 1).await {
                    Ok(_) => gateway_logs::insert_batch(&self.pool, one).await,
                    Err(err) => Err(err),
                };
            }
            match result {
                Ok(_) => {}
                Err(err) if gateway_logs::rows_rejected(&err) => {
                    let why = format!("the database refused log row {}: {err}", row.id);
                    self.counters.lose(1, &why);
                }
                Err(_) => return std::iter::once(row).chain(rows).collect(),
            }
        }
        Vec::new()
    }

    /// Writes what is held while the database answers, within a budget; spools the rest.
    async fn shutdown(mut self, writing: Option<(Batch, Write)>) -> WriterStatus {
        let deadline = Instant::now() + SHUTDOWN_BUDGET;
        if let Some((batch, write)) = writing {
            let result = tokio::time::timeout_at(deadline, write)
                .await
                .unwrap_or(Err(WriteError::Timeout));
            self.written(batch, result).await;
        }
        // Spool files stay for the next start.
        self.replay = None;
        while !self.pending.is_empty() && self.failures == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let n = self.pending.len().min(BATCH);
            let rows: Vec<LogEntry> = self.pending.drain(..n).collect();
            let (batch, write) = self.write(rows, false, left);
            let result = write.await;
            self.written(batch, result).await;
        }
        if !self.pending.is_empty() {
            self.spill().await;
        }
        let n = self.pending.len() as u64;
        if n > 0 {
            self.counters.held.fetch_sub(n, Ordering::Relaxed);
            self.counters.lose(
                n,
                "neither the database nor the spool took them at shutdown",
            );
        }
        let status = WriterStatus {
            queued: 0,
            spooled: self.counters.spooled.load(Ordering::Relaxed),
            lost: self.counters.lost.load(Ordering::Relaxed),
        };
        tracing::info!(
            spooled = status.spooled,
            lost = status.lost,
            "gateway log writer stopped"
        );
        status
    }
}

/// The outcome of the write in progress; never resolves when there is none.
async fn wait(writing: &mut Option<(Batch, Write)>) -> Result<u64, WriteError> {
    match writing {
        Some((_, write)) => write.await,
        None => std::future::pending().await,
    }
}

/// The rows back from a finished (or abandoned) write, which held the only other copy.
fn unwrap_rows(rows: Arc<Vec<LogEntry>>) -> Vec<LogEntry> {
    Arc::try_unwrap(rows).unwrap_or_else(|shared| shared.as_ref().clone())
}

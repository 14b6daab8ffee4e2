//! Gateway log rows go through a bounded queue to one background task that inserts them
//! in batches (at least every 200 ms), so a request never waits on the database.
//!
//! While the database is unreachable, rows wait in memory; past a bound they are spilled
//! to a spool file in the data folder ([`spool`]) and written back once the database
//! answers again, or at the next start. Shutdown writes everything still held, to the
//! database or else to the spool. A row that still cannot be stored (queue full, spool
//! unwritable, rejected by the database) is counted in [`WriterStatus::lost`], shown by
//! `/health`, and logged: never dropped silently.

mod spool;
mod task;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use store::PgPool;
use store::gateway_logs::LogEntry;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use spool::Spool;

/// Rows in flight to the writer before `record` starts refusing.
const QUEUE: usize = 10_000;
/// Rows held in memory while the database does not take them, before they are spilled.
const MEMORY_ROWS: usize = 10_000;
/// Losses are logged at most this often.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// Where and how the writer keeps what the database does not take.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Folder of the spool files (`<data>/spool`); created on first spill.
    pub spool_dir: PathBuf,
    /// Rows held in memory before spilling to the spool.
    pub memory_rows: usize,
}

impl WriterOptions {
    pub fn new(spool_dir: PathBuf) -> Self {
        Self {
            spool_dir,
            memory_rows: MEMORY_ROWS,
        }
    }
}

/// What the writer holds and what it lost, for `/health`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriterStatus {
    /// Rows waiting for the database, in the queue or in memory.
    pub queued: u64,
    /// Rows waiting in spool files.
    pub spooled: u64,
    /// Rows that could not be stored since start.
    pub lost: u64,
}

/// Counters shared by the handle and the task.
#[derive(Debug, Default)]
struct Counters {
    /// Rows the task holds: received and not yet stored or spilled.
    held: AtomicU64,
    spooled: AtomicU64,
    lost: AtomicU64,
    /// When a loss was last logged.
    reported: Mutex<Option<Instant>>,
}

impl Counters {
    /// Counts rows given up, and says so in the log: at most a line a second, each with
    /// the running total, so that a flood of losses cannot bury every other line.
    fn lose(&self, rows: u64, why: &str) {
        if rows == 0 {
            return;
        }
        let total = self.lost.fetch_add(rows, Ordering::Relaxed) + rows;
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        if reported.is_none_or(|at| at.elapsed() >= REPORT_EVERY) {
            *reported = Some(Instant::now());
            tracing::error!(
                lost = rows,
                lost_total = total,
                "gateway log rows lost: {why}"
            );
        }
    }
}

/// The handle requests record their log rows through; cheap to clone.
#[derive(Clone)]
pub struct LogWriter {
    tx: mpsc::Sender<LogEntry>,
    counters: Arc<Counters>,
}

impl LogWriter {
    /// Starts the writer task, which first replays what earlier runs left in the spool.
    /// Await the handle after the last `LogWriter` clone is dropped: by then every row is
    /// stored, spooled, or counted as lost, and it tells how many were spooled and lost.
    pub fn spawn(pool: PgPool, options: WriterOptions) -> (Self, JoinHandle<WriterStatus>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let counters = Arc::new(Counters::default());
        let spool = Arc::new(Mutex::new(Spool::new(options.spool_dir)));
        let task = task::Task::new(pool, rx, counters.clone(), spool, options.memory_rows);
        let handle = tokio::spawn(task.run());
        (Self { tx, counters }, handle)
    }

    /// Queues a row without waiting. A full queue loses the row, counted and logged.
    pub fn record(&self, entry: LogEntry) {
        if self.tx.try_send(entry).is_err() {
            self.counters.lose(1, "the queue is full");
        }
    }

    pub fn status(&self) -> WriterStatus {
        let in_queue = self.tx.max_capacity() - self.tx.capacity();
        WriterStatus {
            queued: in_queue as u64 + self.counters.held.load(Ordering::Relaxed),
            spooled: self.counters.spooled.load(Ordering::Relaxed),
            lost: self.counters.lost.load(Ordering::Relaxed),
        }
    }
}

/// How long to wait before trying the database again after `failures` failures in a row.
fn backoff(failures: u32) -> Duration {
    let ms = 100u64.saturating_mul(1 << failures.min(5));
    Duration::from_millis(ms.min(2000))
}

//! Gateway log rows go through a bounded queue to one background task that inserts them
//! in batches, so a request never waits on the database. While the database is down,
//! rows wait in memory (up to a bound) and are written when it is back; shutdown flushes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use store::PgPool;
use store::gateway_logs::{self, LogEntry};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Requests in flight to the writer before `record` starts refusing.
const QUEUE: usize = 10_000;
/// Largest batch per insert.
const BATCH: usize = 500;
/// How long a row may wait for others to share its insert.
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Rows kept in memory while the database refuses them.
const BACKLOG_LIMIT: usize = 100_000;

#[derive(Clone)]
pub struct LogWriter {
    tx: mpsc::Sender<LogEntry>,
    lost: Arc<AtomicU64>,
}

impl LogWriter {
    /// Starts the writer task; await the handle after the last `LogWriter` clone is dropped
    /// to be sure everything was written.
    pub fn spawn(pool: PgPool) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let lost = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(pool, rx, lost.clone()));
        (Self { tx, lost }, task)
    }

    /// Queues a row without waiting. A full queue loses the row, counted and logged.
    pub fn record(&self, entry: LogEntry) {
        if self.tx.try_send(entry).is_err() {
            let lost = self.lost.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::error!(lost, "gateway log queue is full; a log row was lost");
        }
    }

    /// Rows that could not be stored since start.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }
}

async fn run(pool: PgPool, mut rx: mpsc::Receiver<LogEntry>, lost: Arc<AtomicU64>) {
    let mut pending: Vec<LogEntry> = Vec::new();
    let mut open = true;
    while open || !pending.is_empty() {
        if open {
            // Wait for a first row (or a retry tick), then gather what arrives meanwhile.
            let wait = if pending.is_empty() {
                Duration::from_secs(3600)
            } else {
                Duration::from_secs(1)
            };
            match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(entry)) => pending.push(entry),
                Ok(None) => open = false,
                Err(_) => {}
            }
            let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
            while open && pending.len() < BATCH {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(entry)) => pending.push(entry),
                    Ok(None) => open = false,
                    Err(_) => break,
                }
            }
        }
        while !pending.is_empty() {
            let take = pending.len().min(BATCH);
            match gateway_logs::insert_batch(&pool, &pending[..take]).await {
                Ok(_) => {
                    pending.drain(..take);
                }
                Err(err) => {
                    tracing::warn!(
                        waiting = pending.len(),
                        "writing gateway logs failed, will retry: {err}"
                    );
                    if pending.len() > BACKLOG_LIMIT {
                        let excess = pending.len() - BACKLOG_LIMIT;
                        pending.drain(..excess);
                        let total =
                            lost.fetch_add(excess as u64, Ordering::Relaxed) + excess as u64;
                        tracing::error!(
                            lost = total,
                            "gateway log backlog full; oldest rows were lost"
                        );
                    }
                    if !open {
                        // Shutting down: a few more tries, then give up loudly.
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        if pool.is_closed() {
                            let n = pending.len() as u64;
                            lost.fetch_add(n, Ordering::Relaxed);
                            tracing::error!(
                                lost = n,
                                "gateway log rows could not be written before shutdown"
                            );
                            return;
                        }
                    }
                    break;
                }
            }
        }
    }
}

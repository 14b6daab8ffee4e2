//! What the database does not take: rows spilled to the spool past the memory bound, and
//! spool files claimed and written back.

use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use tokio::time::Instant;

use super::{HARD_LIMIT_FACTOR, SPILL_RETRY, Task};
use crate::log_writer::spool::Claimed;

impl Task {
    pub(super) async fn spill_if_over(&mut self) {
        if self.pending.len() > self.memory_rows && Instant::now() >= self.spill_retry_at {
            self.spill().await;
        }
        // The spool failed: memory holds more, but not without bound.
        let limit = self.memory_rows.saturating_mul(HARD_LIMIT_FACTOR);
        if self.pending.len() > limit {
            let excess = self.pending.len() - limit;
            self.pending.drain(..excess);
            self.counters
                .held
                .fetch_sub(excess as u64, Ordering::Relaxed);
            self.counters.lose(
                excess as u64,
                "memory is full and the spool cannot be written",
            );
        }
    }

    /// Moves every pending row to the spool. When the spool fails too, rows stay in
    /// memory up to a hard limit, past which the oldest are counted lost.
    pub(super) async fn spill(&mut self) {
        let rows = std::mem::take(&mut self.pending);
        self.oldest = None;
        let n = rows.len();
        let spool = self.spool.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let mut spool = spool.lock().unwrap_or_else(PoisonError::into_inner);
            let result = spool.append(&rows);
            (rows, result, spool.dir().to_owned())
        })
        .await;
        match outcome {
            Ok((_, Ok(()), dir)) => {
                self.counters.held.fetch_sub(n as u64, Ordering::Relaxed);
                // Written back as soon as the database keeps up.
                self.spool_check_at = Instant::now();
                let spooled = self.counters.spooled.fetch_add(n as u64, Ordering::Relaxed);
                tracing::warn!(rows = n, spooled = spooled + n as u64, dir = %dir.display(),
                    "gateway logs spilled to the spool until the database takes them");
            }
            Ok((rows, Err(err), dir)) => {
                tracing::error!(dir = %dir.display(), "could not write the gateway log spool: {err}");
                self.spill_retry_at = Instant::now() + SPILL_RETRY;
                self.pending = rows;
                self.oldest = Some(Instant::now());
            }
            Err(err) => {
                self.counters.held.fetch_sub(n as u64, Ordering::Relaxed);
                self.counters
                    .lose(n as u64, &format!("writing the spool failed: {err}"));
            }
        }
    }

    pub(super) async fn claim(&self) -> Option<Claimed> {
        let spool = self.spool.clone();
        let claimed = tokio::task::spawn_blocking(move || {
            spool
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .claim_next()
        })
        .await;
        match claimed {
            Ok(Ok(claimed)) => claimed,
            Ok(Err(err)) => {
                tracing::warn!("could not read the gateway log spool: {err}");
                None
            }
            Err(err) => {
                tracing::warn!("could not read the gateway log spool: {err}");
                None
            }
        }
    }

    /// Every row of the file being replayed is stored: delete it.
    pub(super) async fn finish_replay(&mut self) {
        let Some(replay) = self.replay.take() else {
            return;
        };
        let path = replay.claimed.path.clone();
        let unreadable = replay.claimed.unreadable;
        let removed = tokio::task::spawn_blocking(move || replay.claimed.remove()).await;
        match removed {
            Ok(Ok(())) => {
                tracing::info!(file = %path.display(), "spooled gateway logs written back");
                let why = format!("unreadable lines in the spool file {}", path.display());
                self.counters.lose(unreadable as u64, &why);
            }
            // Its rows are stored: a later replay of the file only repeats them harmlessly.
            Ok(Err(err)) => tracing::warn!(file = %path.display(), "could not delete: {err}"),
            Err(err) => tracing::warn!(file = %path.display(), "could not delete: {err}"),
        }
        self.recount_spooled().await;
    }

    pub(super) async fn recount_spooled(&self) {
        let spool = self.spool.clone();
        let counted = tokio::task::spawn_blocking(move || {
            spool
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .count_rows()
        })
        .await;
        if let Ok(Ok(rows)) = counted {
            self.counters.spooled.store(rows, Ordering::Relaxed);
        }
    }
}

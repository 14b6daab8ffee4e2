//! The spool: gateway log rows that could not reach the database in time, kept on disk as
//! JSON lines in `<data>/spool/gateway-logs-<uuid v7>.jsonl` until they can be replayed.
//!
//! Files are written append-only by one process, which holds an exclusive lock on the file
//! it appends to; a file is replayed by whoever locks it first, then deleted. Several Nexus
//! processes may share a data folder: replaying a file twice only re-sends rows that the
//! database then ignores (inserts are idempotent).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use store::gateway_logs::LogEntry;

const PREFIX: &str = "gateway-logs-";
const SUFFIX: &str = ".jsonl";
/// A file takes no more rows than this, so that replaying one holds a bounded number of
/// rows in memory.
const FILE_ROWS: usize = 20_000;

/// The spool folder, and the file this process appends to (locked while open).
pub struct Spool {
    dir: PathBuf,
    current: Option<Current>,
}

struct Current {
    path: PathBuf,
    file: File,
    rows: usize,
}

/// A spool file locked for replay, with the rows it holds.
pub struct Claimed {
    pub path: PathBuf,
    pub entries: Vec<LogEntry>,
    /// Lines that could not be parsed (a write cut short by a crash).
    pub unreadable: usize,
    /// Held for the lock.
    _file: File,
}

impl Spool {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, current: None }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends `entries` and makes them durable before returning.
    pub fn append(&mut self, entries: &[LogEntry]) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        if self.current.as_ref().is_some_and(|c| c.rows >= FILE_ROWS) {
            self.seal();
        }
        let current = match &mut self.current {
            Some(current) => current,
            None => self.current.insert(self.create()?),
        };
        let mut text = Vec::with_capacity(entries.len() * 512);
        for entry in entries {
            serde_json::to_writer(&mut text, entry).map_err(io::Error::other)?;
            text.push(b'\n');
        }
        current.file.write_all(&text)?;
        current.file.sync_data()?;
        current.rows += entries.len();
        Ok(())
    }

    /// Closes the file being appended to, which makes it available for replay.
    pub fn seal(&mut self) {
        self.current = None;
    }

    fn create(&self) -> io::Result<Current> {
        fs::create_dir_all(&self.dir)?;
        let path = self
            .dir
            .join(format!("{PREFIX}{}{SUFFIX}", uuid::Uuid::now_v7().simple()));
        // Rows hold users' models, errors and token counts: for the server's eyes only.
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .mode(0o600)
            .open(&path)?;
        file.try_lock().map_err(io::Error::other)?;
        let dir = File::open(&self.dir)?;
        // The new name must survive a crash as well as the rows written under it.
        dir.sync_all()?;
        Ok(Current {
            path,
            file,
            rows: 0,
        })
    }

    /// Spool files, oldest first (names are time-ordered).
    fn files(&self) -> io::Result<Vec<PathBuf>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let name = path.file_name()?.to_str()?;
                (name.starts_with(PREFIX) && name.ends_with(SUFFIX)).then_some(path)
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// Rows waiting in every spool file (other processes' included).
    pub fn count_rows(&self) -> io::Result<u64> {
        let mut rows = 0u64;
        for path in self.files()? {
            match File::open(&path) {
                Ok(file) => rows += BufReader::new(file).lines().count() as u64,
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        Ok(rows)
    }

    /// Locks the oldest spool file that nobody is writing or replaying and reads it.
    pub fn claim_next(&self) -> io::Result<Option<Claimed>> {
        let own = self.current.as_ref().map(|c| c.path.clone());
        for path in self.files()? {
            if Some(&path) == own.as_ref() {
                continue;
            }
            let file = match File::open(&path) {
                Ok(file) => file,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            if file.try_lock().is_err() {
                continue; // another process appends to it or replays it
            }
            // Someone may have replayed and deleted it between our listing and our lock.
            let same = fs::metadata(&path).is_ok_and(|m| {
                file.metadata()
                    .is_ok_and(|f| f.ino() == m.ino() && f.dev() == m.dev())
            });
            if !same {
                continue;
            }
            let mut entries = Vec::new();
            let mut unreadable = 0;
            for line in BufReader::new(&file).lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<LogEntry>(&line) {
                    Ok(entry) => entries.push(entry),
                    Err(_) => unreadable += 1,
                }
            }
            return Ok(Some(Claimed {
                path,
                entries,
                unreadable,
                _file: file,
            }));
        }
        Ok(None)
    }
}

impl Claimed {
    /// Deletes the file once its rows are stored (the lock goes with it).
    pub fn remove(self) -> io::Result<()> {
        match fs::remove_file(&self.path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i32) -> LogEntry {
        LogEntry {
            id: uuid::Uuid::now_v7(),
            created_at: time::OffsetDateTime::now_utc(),
            user_id: uuid::Uuid::now_v7(),
            api_key_id: None,
            upstream_key_id: Some(uuid::Uuid::now_v7()),
            requested_model: "claude-sonnet-5-5".into(),
            target_model: Some("gpt-5".into()),
            provider: Some("openai".into()),
            stream: n % 2 == 0,
            status_code: 200,
            success: true,
            error_type: None,
            error_message: Some("line\nbreak \"quoted\"".into()),
            input_tokens: n,
            output_tokens: 2 * n,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
            latency_ms: 10 * n,
            ttfb_ms: None,
            attempts: 1,
            upstream_keys_tried: vec![uuid::Uuid::now_v7(), uuid::Uuid::now_v7()],
        }
    }

    #[test]
    fn rows_round_trip_and_files_are_claimed_once() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("spool");
        let mut spool = Spool::new(dir.clone());
        assert_eq!(spool.count_rows().expect("count"), 0, "no folder yet");
        let first: Vec<LogEntry> = (0..3).map(entry).collect();
        spool.append(&first).expect("append");
        spool.append(&[entry(9)]).expect("append more");
        assert_eq!(spool.count_rows().expect("count"), 4);
        // The file being written is nobody's to replay, not even another process's.
        assert!(spool.claim_next().expect("claim").is_none());
        let other = Spool::new(dir);
        assert!(other.claim_next().expect("claim").is_none());

        spool.seal();
        let claimed = other.claim_next().expect("claim").expect("a file");
        assert_eq!(&claimed.entries[..3], &first[..]);
        assert_eq!(claimed.entries.len(), 4);
        assert_eq!(claimed.unreadable, 0);
        // Locked while claimed.
        assert!(spool.claim_next().expect("claim").is_none());
        claimed.remove().expect("remove");
        assert_eq!(spool.count_rows().expect("count"), 0);
    }

    #[test]
    fn a_torn_last_line_is_reported_not_fatal() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut spool = Spool::new(tmp.path().to_owned());
        spool.append(&[entry(1), entry(2)]).expect("append");
        let path = spool.current.as_ref().expect("file").path.clone();
        spool.seal();
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(b"{\"id\": \"cut sh").expect("write");
        let claimed = spool.claim_next().expect("claim").expect("file");
        assert_eq!((claimed.entries.len(), claimed.unreadable), (2, 1));
    }
}

//! The embedded PostgreSQL cluster: with no `DATABASE_URL`, Nexus keeps its own cluster in
//! `<data folder>/postgres`, reachable only through a unix socket inside that folder.
//!
//! Several Nexus processes (the server and CLI commands) may use one cluster. Each holds a
//! shared lock on `postgres.users` while it uses the cluster; whoever finishes last stops
//! it. Starting and stopping happen under an exclusive lock on `postgres.lock`, so a CLI
//! command never stops the cluster under a server that is starting. A process killed with
//! SIGKILL loses its locks with it; the cluster it leaves running is adopted by the next.

mod binaries;
mod owner;
mod process;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

pub use binaries::{Binaries, find as find_binaries};
use owner::{Owner, io_error};

use crate::{Error, Result};

/// Database and superuser name inside the embedded cluster.
pub const DATABASE: &str = "nexus";
const SUPERUSER: &str = "nexus";
/// Only names the socket file (`.s.PGSQL.5432`); no TCP port is opened.
const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH: usize = 107;
/// The server log is started afresh past this size (the old one is kept as `.old`).
const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;
const CLUSTER_DIR: &str = "postgres";
const LOG_FILE: &str = "nexus-postgres.log";
const SETTINGS_FILE: &str = "nexus.conf";
const START_ATTEMPTS: u32 = 3;

/// A running embedded cluster, used by this process until [`EmbeddedPostgres::close`].
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    pgdata: PathBuf,
    bins: Binaries,
    owner: Owner,
    /// Held shared while this process uses the cluster.
    users_lock: File,
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use, starts it unless it is already running, and
    /// registers this process as a user of it. Blocking: call from `spawn_blocking`.
    pub fn open(data_dir: &Path, bin_dir: Option<&Path>) -> Result<Self> {
        let owner = Owner::detect()?;
        let data_dir = prepare_data_dir(data_dir, &owner)?;
        let pgdata = data_dir.join(CLUSTER_DIR);
        owner.check_reachable(&pgdata)?;
        let socket = pgdata.join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(Error::Embedded(format!(
                "the data folder path is too long for a unix socket ({} bytes, at most {}); \
                 choose a shorter NEXUS_DATA_DIR",
                socket.as_os_str().len(),
                MAX_SOCKET_PATH
            )));
        }
        let path_var = std::env::var("PATH").ok();
        let bins = binaries::find(bin_dir, path_var.as_deref())?;

        let transition = lock_file(&data_dir.join("postgres.lock"))?;
        transition
            .lock()
            .map_err(|e| io_error("lock", &data_dir, &e))?;
        let users_lock = lock_file(&data_dir.join("postgres.users"))?;
        users_lock
            .lock_shared()
            .map_err(|e| io_error("lock", &data_dir, &e))?;

        let cluster = Self {
            data_dir,
            pgdata,
            bins,
            owner,
            users_lock,
        };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.init()?;
        }
        match process::running_postmaster(&cluster.pgdata) {
            Some(pid) => tracing::info!(pid, "using the embedded PostgreSQL already running"),
            None => cluster.start()?,
        }
        drop(transition);
        Ok(cluster)
    }

    /// How to connect: the unix socket in the cluster folder, as the cluster's superuser.
    pub fn connect_options(&self) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(&self.pgdata)
            .port(PORT)
            .username(SUPERUSER)
            .database(DATABASE)
            .ssl_mode(PgSslMode::Disable)
            .application_name("nexus")
    }

    /// Creates the `nexus` database if it does not exist yet.
    pub async fn ensure_database(&self) -> Result<()> {
        use sqlx::Connection as _;
        let mut conn =
            sqlx::PgConnection::connect_with(&self.connect_options().database("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_database where datname = 'nexus')")
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query("create database nexus")
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        Ok(())
    }

    /// The cluster folder (`PGDATA`).
    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// The postmaster's pid while it runs.
    pub fn postmaster_pid(&self) -> Option<u32> {
        process::running_postmaster(&self.pgdata)
    }

    /// Stops using the cluster, and stops the cluster itself if no other Nexus process is
    /// using it. Returns whether it stopped the cluster. Blocking.
    pub fn close(self) -> Result<bool> {
        let transition = lock_file(&self.data_dir.join("postgres.lock"))?;
        transition
            .lock()
            .map_err(|e| io_error("lock", &self.data_dir, &e))?;
        self.users_lock
            .unlock()
            .map_err(|e| io_error("unlock", &self.data_dir, &e))?;
        match self.users_lock.try_lock() {
            Ok(()) => {
                let stopped = self.stop()?;
                let _ = self.users_lock.unlock();
                Ok(stopped)
            }
            Err(fs::TryLockError::WouldBlock) => {
                tracing::info!("embedded PostgreSQL left running for other Nexus processes");
                Ok(false)
            }
            Err(fs::TryLockError::Error(e)) => Err(io_error("lock", &self.data_dir, &e)),
        }
    }

    fn init(&self) -> Result<()> {
        // A folder without PG_VERSION is what an interrupted initdb leaves: start over.
        if self.pgdata.exists() {
            fs::remove_dir_all(&self.pgdata)
                .map_err(|e| io_error("remove the incomplete cluster", &self.pgdata, &e))?;
        }
        fs::create_dir(&self.pgdata).map_err(|e| io_error("create", &self.pgdata, &e))?;
        fs::set_permissions(&self.pgdata, fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error("set permissions of", &self.pgdata, &e))?;
        self.owner.chown(&self.pgdata)?;
        tracing::info!(dir = %self.pgdata.display(), owner = %self.owner.describe(),
            "creating the embedded PostgreSQL cluster");
        let output = self
            .owner
            .command(&self.bins.initdb(), &self.pgdata)
            .arg("-D")
            .arg(&self.pgdata)
            .args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ])
            .output()
            .map_err(|e| io_error("run", &self.bins.initdb(), &e))?;
        check_output("initdb", &output)?;
        let conf = self.pgdata.join("postgresql.conf");
        let mut file = OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(|e| io_error("open", &conf, &e))?;
        writeln!(
            file,
            "\n# Written by Nexus at each start.\ninclude_if_exists = '{SETTINGS_FILE}'"
        )
        .map_err(|e| io_error("write", &conf, &e))?;
        Ok(())
    }

    fn start(&self) -> Result<()> {
        process::remove_stale_files(&self.pgdata);
        self.write_settings()?;
        let log = self.pgdata.join(LOG_FILE);
        if fs::metadata(&log).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
            let _ = fs::rename(&log, log.with_extension("log.old"));
        }
        tracing::info!(dir = %self.pgdata.display(), "starting the embedded PostgreSQL");
        let mut attempt = 1;
        loop {
            let output = self
                .owner
                .command(&self.bins.pg_ctl(), &self.pgdata)
                .arg("-D")
                .arg(&self.pgdata)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "120", "-s", "start"])
                .output()
                .map_err(|e| io_error("run", &self.bins.pg_ctl(), &e))?;
            match check_output("pg_ctl start", &output) {
                Ok(()) => return Ok(()),
                // After a crash, server processes of the dead postmaster may hold its shared
                // memory for a moment longer; PostgreSQL then refuses to start. They exit
                // once they notice the postmaster is gone.
                Err(_) if attempt < START_ATTEMPTS => {
                    tracing::warn!(attempt, "PostgreSQL did not start; trying again");
                    process::remove_stale_files(&self.pgdata);
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    attempt += 1;
                }
                Err(err) => {
                    return Err(Error::Embedded(format!(
                        "{err}\nlast lines of {}:\n{}",
                        log.display(),
                        tail(&log, 15)
                    )));
                }
            }
        }
    }

    fn stop(&self) -> Result<bool> {
        if process::running_postmaster(&self.pgdata).is_none() {
            return Ok(false);
        }
        tracing::info!("stopping the embedded PostgreSQL");
        let output = self
            .owner
            .command(&self.bins.pg_ctl(), &self.pgdata)
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-m", "fast", "-w", "-t", "120", "-s", "stop"])
            .output()
            .map_err(|e| io_error("run", &self.bins.pg_ctl(), &e))?;
        check_output("pg_ctl stop", &output)?;
        Ok(true)
    }

    /// The settings that depend on where the data folder is, rewritten at every start so
    /// that a moved data folder keeps working.
    fn write_settings(&self) -> Result<()> {
        let socket_dir = self.pgdata.display().to_string().replace('\'', "''");
        let text = format!(
            "# Managed by Nexus; rewritten at every start.\n\
             listen_addresses = ''\n\
             port = {PORT}\n\
             unix_socket_directories = '{socket_dir}'\n\
             unix_socket_permissions = 0700\n\
             max_connections = 100\n"
        );
        let path = self.pgdata.join(SETTINGS_FILE);
        fs::write(&path, text).map_err(|e| io_error("write", &path, &e))?;
        self.owner.chown(&path)
    }
}

/// Makes the data folder absolute and present. As root it must stay enterable (not
/// readable) by the cluster's owner; the secret key inside is 0600 anyway.
fn prepare_data_dir(data_dir: &Path, owner: &Owner) -> Result<PathBuf> {
    fs::create_dir_all(data_dir).map_err(|e| io_error("create the data folder", data_dir, &e))?;
    let data_dir = fs::canonicalize(data_dir).map_err(|e| io_error("resolve", data_dir, &e))?;
    if let Owner::System { .. } = owner {
        let mode = fs::metadata(&data_dir)
            .map_err(|e| io_error("read", &data_dir, &e))?
            .permissions()
            .mode();
        if mode & 0o001 == 0 {
            fs::set_permissions(
                &data_dir,
                fs::Permissions::from_mode((mode & 0o777) | 0o001),
            )
            .map_err(|e| io_error("set permissions of", &data_dir, &e))?;
        }
    }
    Ok(data_dir)
}

fn lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_error("open", path, &e))
}

fn check_output(what: &str, output: &Output) -> Result<()> {
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    Err(Error::Embedded(format!(
        "{what} failed ({}): {}{}",
        output.status,
        stderr.trim(),
        stdout.trim()
    )))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

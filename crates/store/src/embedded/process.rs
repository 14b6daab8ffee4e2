//! Is the cluster's postmaster running? Read from `postmaster.pid`, trusting it only when
//! the pid still belongs to a postgres process working in this cluster folder: after a
//! crash or a reboot the file may name a dead pid, or a pid reused by something else.

use std::fs;
use std::path::Path;

/// The pid of the postmaster serving `pgdata`, if one runs.
pub fn running_postmaster(pgdata: &Path) -> Option<u32> {
    let text = fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    is_postmaster_of(pid, pgdata).then_some(pid)
}

fn is_postmaster_of(pid: u32, pgdata: &Path) -> bool {
    let proc_dir = Path::new("/proc").join(pid.to_string());
    if !Path::new("/proc/self").exists() {
        // No procfs (macOS): the best test left is whether the pid is alive.
        return nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok();
    }
    // A zombie still has its /proc entry until reaped, and reaping may never come when
    // our parent is not the postmaster's (pg_ctl daemonises it).
    let Ok(stat) = fs::read_to_string(proc_dir.join("stat")) else {
        return false;
    };
    let state = stat.rsplit(')').next().unwrap_or("").trim_start();
    if state.starts_with('Z') || state.starts_with('X') {
        return false;
    }
    let Ok(comm) = fs::read_to_string(proc_dir.join("comm")) else {
        return false;
    };
    if comm.trim() != "postgres" && comm.trim() != "postmaster" {
        return false;
    }
    // The postmaster works in its data folder; a postgres of another cluster does not.
    match (
        fs::read_link(proc_dir.join("cwd")),
        fs::canonicalize(pgdata),
    ) {
        (Ok(cwd), Ok(dir)) => cwd == dir,
        _ => true,
    }
}

/// Removes the pid and socket lock files a crashed postmaster left behind, which would
/// otherwise make the next start fail. Only called when no postmaster runs.
pub fn remove_stale_files(pgdata: &Path) {
    for name in ["postmaster.pid", ".s.PGSQL.5432.lock", ".s.PGSQL.5432"] {
        let path = pgdata.join(name);
        if path.exists() {
            tracing::warn!(file = %path.display(), "removing a file left by a crashed PostgreSQL");
            let _ = fs::remove_file(path);
        }
    }
}

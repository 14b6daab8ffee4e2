//! Which operating-system user runs the cluster. `initdb` and `postgres` refuse to run as
//! root, so a root Nexus hands the cluster to an unprivileged system user.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use nix::unistd::{Gid, Uid, User};

use crate::{Error, Result};

/// The system users tried, in order, when Nexus runs as root.
const SYSTEM_USERS: [&str; 2] = ["postgres", "nobody"];

#[derive(Debug, Clone)]
pub enum Owner {
    /// Nexus runs unprivileged: the cluster is ours.
    Current,
    /// Nexus runs as root: every PostgreSQL program runs as this user.
    System { name: String, uid: Uid, gid: Gid },
}

impl Owner {
    pub fn detect() -> Result<Self> {
        if !Uid::effective().is_root() {
            return Ok(Owner::Current);
        }
        SYSTEM_USERS
            .iter()
            .find_map(|name| User::from_name(name).ok().flatten())
            .filter(|user| !user.uid.is_root())
            .map(|user| Owner::System {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            })
            .ok_or_else(|| {
                Error::Embedded(
                    "running as root, the embedded database needs an unprivileged `postgres` \
                     system user to own it (`useradd --system postgres`); or run Nexus as a \
                     normal user, or set DATABASE_URL"
                        .to_owned(),
                )
            })
    }

    /// A command for a PostgreSQL program that runs as the owner.
    pub fn command(&self, program: &Path, workdir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(workdir);
        if let Owner::System { uid, gid, .. } = self {
            // std drops root's supplementary groups when it switches uid.
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
            cmd.env_remove("HOME");
        }
        cmd
    }

    /// Gives `path` to the owner (a no-op when the owner is the current user).
    pub fn chown(&self, path: &Path) -> Result<()> {
        if let Owner::System { uid, gid, .. } = self {
            std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(|err| io_error("change the owner of", path, &err))?;
        }
        Ok(())
    }

    /// Checks that the owner can walk down to `dir`: a root user's data folder under a
    /// private home folder would make PostgreSQL fail with a far less helpful message.
    pub fn check_reachable(&self, dir: &Path) -> Result<()> {
        let Owner::System { name, uid, .. } = self else {
            return Ok(());
        };
        for ancestor in dir.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(ancestor) else {
                continue;
            };
            let mode = meta.permissions().mode();
            let others_may_enter = mode & 0o001 != 0;
            let owner_may_enter = meta.uid() == uid.as_raw() && mode & 0o100 != 0;
            if !others_may_enter && !owner_may_enter {
                return Err(Error::Embedded(format!(
                    "the database runs as the system user `{name}`, which cannot enter {} \
                     (mode {:o}); choose a NEXUS_DATA_DIR outside it (e.g. /var/lib/nexus) \
                     or set DATABASE_URL",
                    ancestor.display(),
                    mode & 0o777
                )));
            }
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        match self {
            Owner::Current => "the current user".to_owned(),
            Owner::System { name, .. } => format!("system user {name}"),
        }
    }
}

pub(crate) fn io_error(action: &str, path: &Path, err: &std::io::Error) -> Error {
    Error::Embedded(format!("could not {action} {}: {err}", path.display()))
}

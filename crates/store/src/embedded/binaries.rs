//! Finding the PostgreSQL server programs.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The programs the embedded cluster needs, all from one installation.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub dir: PathBuf,
}

impl Binaries {
    pub fn initdb(&self) -> PathBuf {
        self.dir.join("initdb")
    }
    pub fn pg_ctl(&self) -> PathBuf {
        self.dir.join("pg_ctl")
    }
}

const REQUIRED: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// Install folders of the usual packagings, searched after `PATH`. Globs end in `*`
/// (a version number); the newest version wins.
const INSTALL_DIRS: [&str; 6] = [
    "/usr/lib/postgresql/*/bin", // Debian, Ubuntu
    "/usr/pgsql-*/bin",          // PGDG RPMs
    "/usr/local/pgsql/bin",      // built from source
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/latest/bin",
];

/// Finds a folder holding `initdb`, `pg_ctl` and `postgres`: `explicit` if given, else the
/// first on `path_var`, else the newest of the usual install folders.
pub fn find(explicit: Option<&Path>, path_var: Option<&str>) -> Result<Binaries> {
    if let Some(dir) = explicit {
        return if has_all(dir) {
            Ok(Binaries {
                dir: dir.to_owned(),
            })
        } else {
            Err(Error::Embedded(format!(
                "{} does not contain initdb, pg_ctl and postgres",
                dir.display()
            )))
        };
    }
    let on_path = path_var
        .into_iter()
        .flat_map(std::env::split_paths)
        .find(|dir| has_all(dir));
    let installed = || {
        INSTALL_DIRS
            .iter()
            .find_map(|pattern| newest_match(pattern))
    };
    on_path
        .or_else(installed)
        .map(|dir| Binaries { dir })
        .ok_or_else(not_installed)
}

fn not_installed() -> Error {
    Error::Embedded(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found on PATH or in \
         /usr/lib/postgresql/*/bin. Install PostgreSQL 13 or newer (Debian/Ubuntu: \
         `apt-get install postgresql`; macOS: `brew install postgresql@16`), point \
         NEXUS_POSTGRES_BIN at its bin folder, or set DATABASE_URL to use an existing server."
            .to_owned(),
    )
}

fn has_all(dir: &Path) -> bool {
    REQUIRED.iter().all(|name| is_executable(&dir.join(name)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Expands a pattern with at most one `*` in one path component and returns the match
/// with the highest version number that holds all required programs.
fn newest_match(pattern: &str) -> Option<PathBuf> {
    let Some(star) = pattern.find('*') else {
        let dir = PathBuf::from(pattern);
        return has_all(&dir).then_some(dir);
    };
    let parent_end = pattern[..star].rfind('/')?;
    let parent = Path::new(&pattern[..parent_end]);
    let component_prefix = &pattern[parent_end + 1..star];
    let rest = &pattern[star + 1..];
    let (component_suffix, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let mut found: Vec<(Vec<u64>, PathBuf)> = std::fs::read_dir(parent)
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let version = name
                .strip_prefix(component_prefix)?
                .strip_suffix(component_suffix)?;
            let dir = parent.join(&name).join(tail);
            has_all(&dir).then(|| (version_key(version), dir))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, dir)| dir)
}

/// "15" → [15], "9.6" → [9, 6]: numeric order, so 15 beats 9.6.
fn version_key(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_install(dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        for name in REQUIRED {
            let path = dir.join(name);
            std::fs::write(&path, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }

    #[test]
    fn prefers_path_and_needs_all_programs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let partial = tmp.path().join("partial");
        std::fs::create_dir_all(&partial).expect("mkdir");
        std::fs::write(partial.join("pg_ctl"), "").expect("write");
        let full = tmp.path().join("full");
        fake_install(&full);
        let path_var = std::env::join_paths([&partial, &full]).expect("join");
        let found = find(None, path_var.to_str()).expect("found");
        assert_eq!(found.dir, full);
    }

    #[test]
    fn explicit_folder_must_hold_the_programs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = find(Some(tmp.path()), None).expect_err("empty folder");
        assert!(err.to_string().contains("does not contain initdb"));
        fake_install(tmp.path());
        assert_eq!(find(Some(tmp.path()), None).expect("found").dir, tmp.path());
    }

    #[test]
    fn newest_version_wins_numerically() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for version in ["9.6", "15", "13"] {
            fake_install(&tmp.path().join(version).join("bin"));
        }
        let pattern = format!("{}/*/bin", tmp.path().display());
        assert_eq!(newest_match(&pattern), Some(tmp.path().join("15/bin")));
    }

    #[test]
    fn missing_postgres_explains_how_to_fix_it() {
        let message = not_installed().to_string();
        assert!(message.contains("apt-get install postgresql"));
        assert!(message.contains("DATABASE_URL"));
    }
}

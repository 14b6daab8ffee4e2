/// Errors of the store. Conflicts and missing rows carry a message meant for the user;
/// everything else is a database failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("embedded PostgreSQL: {0}")]
    Embedded(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a violation of a named constraint into a user-facing error, so callers insert
/// and let the database decide instead of checking first (which races).
pub(crate) trait ResultExt<T> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> Error) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|err| match &err {
            sqlx::Error::Database(db) if db.constraint() == Some(name) => map(),
            _ => Error::Sqlx(err),
        })
    }
}

impl<T> ResultExt<T> for Result<T> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> Error) -> Result<T> {
        match self {
            Err(Error::Sqlx(sqlx::Error::Database(db))) if db.constraint() == Some(name) => {
                Err(map())
            }
            other => other,
        }
    }
}

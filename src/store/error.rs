//! The store's error type: every failure said in plain words ("database is locked",
//! "disk full"), cheap to clone so one failed batch can answer each of its requests.

use std::path::PathBuf;

use rusqlite::ErrorCode;

/// Why the store could not do what was asked.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Another connection or process holds the write lock longer than the busy timeout.
    #[error("database is locked (another process is writing to it)")]
    Locked,
    /// The disk (or the database's page limit) is full.
    #[error("disk full")]
    DiskFull,
    /// The file or its directory cannot be written.
    #[error("database is read-only")]
    ReadOnly,
    /// The operating system failed a read or write.
    #[error("disk I/O error: {0}")]
    Io(String),
    /// The store's directory cannot be created.
    #[error("cannot create the store directory {}: {reason}", path.display())]
    CreateDir { path: PathBuf, reason: String },
    /// The file cannot be opened as a database.
    #[error("cannot open the database {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    /// The database was written by a newer hookwatch.
    #[error(
        "the database {} has schema version {found}, newer than this build understands \
         ({supported}); upgrade hookwatch or point --db at another file",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file is not a database, or a stored value cannot be decoded.
    #[error("database is corrupt: {0}")]
    Corrupt(String),
    /// The writer thread has stopped (closed, or it failed to start).
    #[error("the store writer has stopped")]
    WriterStopped,
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked,
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => StoreError::ReadOnly,
            Some(ErrorCode::SystemIoFailure) => StoreError::Io(e.to_string()),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}

impl StoreError {
    /// True when retrying later may succeed (the receiver answers 503 either way).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Locked | StoreError::DiskFull | StoreError::Io(_)
        )
    }
}

//! The store's error type.

/// What can go wrong in the store. `NotFound` and `Conflict` are the caller's to handle
/// (they are outcomes a user can cause); the rest are internal faults.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL has a scheme Cairn does not support.
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// A named thing does not exist.
    #[error("{what} {key} does not exist")]
    NotFound { what: &'static str, key: String },
    /// An import's records name UPNs that are no pupil's, current or former: every one of
    /// them, so each record naming one can be reported at its line.
    #[error("{}", unknown_pupils_message(.0))]
    UnknownPupils(std::collections::BTreeSet<cairn_domain::Upn>),
    /// A uniqueness or foreign-key rule was broken; `constraint` names it.
    #[error("conflicts with existing data ({constraint})")]
    Conflict { constraint: String },
    /// A stored value no longer parses as its domain type.
    #[error("stored {what} {value:?} is not valid")]
    Corrupt { what: &'static str, value: String },
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() || db.is_foreign_key_violation() {
                // PostgreSQL names the constraint; SQLite only says it in the message.
                let constraint = db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned());
                return StoreError::Conflict { constraint };
            }
        }
        StoreError::Database(error)
    }
}

fn unknown_pupils_message(upns: &std::collections::BTreeSet<cairn_domain::Upn>) -> String {
    let first = upns.first().map_or("", |u| u.as_str());
    match upns.len() {
        0 | 1 => format!("pupil with UPN {first} does not exist"),
        n => format!(
            "pupil with UPN {first} does not exist (and {} more UPNs with no pupil record)",
            n - 1
        ),
    }
}

impl StoreError {
    pub(crate) fn corrupt<T: std::fmt::Display + ?Sized>(what: &'static str, value: &T) -> Self {
        StoreError::Corrupt {
            what,
            value: value.to_string(),
        }
    }
}

//! What a write can fail with, whichever path made it (the API, the
//! importer, the CLI). The HTTP layer answers each as a problem document
//! (`crate::error`); the CLI prints it.

use serde::Serialize;

/// One invalid field of a write.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// The field or query parameter at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Collects invalid fields, to report them all at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` if nothing was collected, else [`WriteError::Invalid`].
    pub fn check(self) -> Result<(), WriteError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(WriteError::Invalid(self.0))
        }
    }
}

impl Extend<FieldError> for FieldErrors {
    fn extend<I: IntoIterator<Item = FieldError>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

/// Why a write did not happen. Nothing of it was stored.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Fields that cannot be stored as they are (422).
    #[error("{} invalid", fields_phrase(.0.len()))]
    Invalid(Vec<FieldError>),
    /// The actor may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such thing, or none the actor may see (404).
    #[error("{0}")]
    NotFound(String),
    /// The thing's state does not allow it (409).
    #[error("{0}")]
    Conflict(String),
    /// It changed since the version the writer read (412).
    #[error("{0}")]
    Stale(String),
    /// The writer has written too often; they may again in `retry_after`
    /// seconds (429).
    #[error("{message}")]
    Limited { message: String, retry_after: u64 },
    /// The database failed, or refused the write (a constraint).
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl WriteError {
    /// One line for a person at a terminal (the CLI, an import report):
    /// the invalid fields, or what went wrong.
    pub fn summary(&self) -> String {
        match self {
            WriteError::Invalid(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }
}

pub fn fields_phrase(n: usize) -> String {
    if n == 1 {
        "1 field is".to_string()
    } else {
        format!("{n} fields are")
    }
}

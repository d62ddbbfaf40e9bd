//! The one error type of the crate.
//!
//! Every failure a user can cause — a bad shape, an unknown name, a malformed
//! file, bad IR text — is an [`Error`]; bugs in lazyfuse itself are panics.
//! Messages are lowercase, name the offending thing and, for text, the
//! position (`1:7: expected an operand, found '*'`).

use thiserror::Error as ThisError;

/// Everything that can go wrong in lazyfuse, by kind.
#[derive(Debug, Clone, PartialEq, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// Operand shapes that do not broadcast, bad axes, bad indices.
    #[error("{0}")]
    Shape(String),
    /// An operation not defined for a dtype, or a value that does not fit it.
    #[error("{0}")]
    Type(String),
    /// A syntax error in an expression string or in IR text (message carries
    /// `line:col:`).
    #[error("{0}")]
    Parse(String),
    /// A name that is not bound to an input.
    #[error("unknown name '{0}'")]
    UnknownName(String),
    /// A value-dependent failure at evaluation time (e.g. a negative integer
    /// power), as NumPy raises it.
    #[error("{0}")]
    Value(String),
    /// A malformed, truncated or unsupported `.npy` file.
    #[error("{0}")]
    Npy(String),
    /// An I/O failure, with the path involved, and the `std::io::Error`
    /// behind it ([`std::error::Error::source`]) when there is one.
    #[error(transparent)]
    Io(IoError),
    /// A failure of the code generator (a bug surfaced as an error rather
    /// than a crash).
    #[error("internal compiler error: {0}")]
    Internal(String),
}

impl Error {
    /// The same error with `context: ` before its message (an internal
    /// error is left as it is).
    pub(crate) fn with_context(self, context: &str) -> Error {
        let c = |m: String| format!("{context}: {m}");
        match self {
            Error::Shape(m) => Error::Shape(c(m)),
            Error::Type(m) => Error::Type(c(m)),
            Error::Parse(m) => Error::Parse(c(m)),
            Error::Value(m) => Error::Value(c(m)),
            Error::Npy(m) => Error::Npy(c(m)),
            Error::Io(e) => Error::Io(IoError {
                message: c(e.message),
                source: e.source,
            }),
            e @ (Error::UnknownName(_) | Error::Internal(_)) => e,
        }
    }
}

/// The I/O failure of [`Error::Io`]: a message naming the path, and the
/// operating system's error when there is one.
///
/// ```
/// use lazyfuse::{Array, Error};
/// let e = Array::read_npy("/no/such/dir/a.npy").unwrap_err();
/// let Error::Io(io) = &e else { panic!("{e:?}") };
/// assert!(io.message().starts_with("/no/such/dir/a.npy: no such file"));
/// assert_eq!(io.kind(), Some(std::io::ErrorKind::NotFound));
/// assert!(std::error::Error::source(&e).is_some());
/// ```
#[derive(Debug, Clone)]
pub struct IoError {
    message: String,
    source: Option<std::sync::Arc<std::io::Error>>,
}

impl IoError {
    /// An I/O error with `message` and the OS error behind it.
    pub(crate) fn new(message: String, source: std::io::Error) -> IoError {
        IoError {
            message,
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// The message (with the path).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The kind of the OS error behind it, if any.
    pub fn kind(&self) -> Option<std::io::ErrorKind> {
        self.source.as_ref().map(|e| e.kind())
    }

    /// Whether the message contains `s` (for tests and matching).
    pub fn contains(&self, s: &str) -> bool {
        self.message.contains(s)
    }

    pub(crate) fn map_message(self, f: impl FnOnce(String) -> String) -> IoError {
        IoError {
            message: f(self.message),
            source: self.source,
        }
    }
}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl PartialEq for IoError {
    /// Same message and same kind of OS error.
    fn eq(&self, other: &IoError) -> bool {
        self.message == other.message && self.kind() == other.kind()
    }
}

impl From<String> for IoError {
    fn from(message: String) -> IoError {
        IoError { message, source: None }
    }
}

impl From<&str> for IoError {
    fn from(message: &str) -> IoError {
        IoError::from(message.to_string())
    }
}

/// `Result<T, lazyfuse::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `Err(Error::Shape(format!(..)))`.
macro_rules! shape_err {
    ($($t:tt)*) => { Err($crate::error::Error::Shape(format!($($t)*))) };
}
/// `Err(Error::Type(format!(..)))`.
macro_rules! type_err {
    ($($t:tt)*) => { Err($crate::error::Error::Type(format!($($t)*))) };
}
pub(crate) use shape_err;
pub(crate) use type_err;

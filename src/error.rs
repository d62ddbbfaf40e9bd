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
    /// An I/O failure, with the path involved.
    #[error("{0}")]
    Io(String),
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
            Error::Io(m) => Error::Io(c(m)),
            e @ (Error::UnknownName(_) | Error::Internal(_)) => e,
        }
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

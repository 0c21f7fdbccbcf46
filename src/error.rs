//! Why a command could not do its job, and the one mapping from that to
//! the exit code: every such failure exits 3 ("could not check"), prints
//! one line on stderr and, with `--json`, a report whose `error.phase`
//! says which step failed. Verdicts (0, 1, 2) are not errors: they are
//! the report's (see `diagnose::Verdict::exit_code`).

use std::fmt;

/// The exit code of every command error, the same as "could not check".
pub const EXIT_CODE: u8 = 3;

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Bad arguments or input files, found before any work.
    Usage(String),
    /// A store could not be read, written or searched.
    Store(String),
    /// The check a command builds on failed in this phase (`dns`,
    /// `connect`, `starttls`, `handshake`, `input`, `store`, ...).
    Check {
        /// The phase, as in the report's `error.phase`.
        phase: String,
        /// What happened, naming the file or target.
        message: String,
    },
    /// Export could not write its files.
    Export(String),
    /// The output could not be produced (`man`, `--junit FILE`).
    Output(String),
}

impl Error {
    /// The phase reported in JSON (`error.phase`).
    pub fn phase(&self) -> &str {
        match self {
            Error::Usage(_) => "usage",
            Error::Store(_) => "store",
            Error::Check { phase, .. } => phase,
            Error::Export(_) => "export",
            Error::Output(_) => "output",
        }
    }

    /// The one-line message, without the `trustfix: ` prefix.
    pub fn message(&self) -> &str {
        match self {
            Error::Usage(m) | Error::Store(m) | Error::Export(m) | Error::Output(m) => m,
            Error::Check { message, .. } => message,
        }
    }

    /// The exit code: always [`EXIT_CODE`].
    pub fn exit_code(&self) -> u8 {
        EXIT_CODE
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

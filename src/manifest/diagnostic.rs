//! A problem found in a file the user owns, pointing at the line to fix.

use std::path::PathBuf;

/// One problem in a user's file. The ui renders it with the source line and a caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// The file as the user would type it (relative to the working directory when possible).
    pub(crate) file: PathBuf,
    /// 1-based line; 0 when the problem has no single place in the file.
    pub(crate) line: usize,
    /// 1-based column, in characters.
    pub(crate) column: usize,
    /// How many characters to underline; at least 1.
    pub(crate) width: usize,
    /// The text of the offending line, without its newline, when known.
    pub(crate) source_line: Option<String>,
    /// The service the problem belongs to, when it belongs to one.
    pub(crate) service: Option<String>,
    /// Lowercase fragment: "unknown key `prot`".
    pub(crate) message: String,
    /// What the user can do: "did you mean `port`?".
    pub(crate) hint: Option<String>,
}

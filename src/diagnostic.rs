//! A problem found in a file the user owns, pointing at the line to fix.

use std::path::PathBuf;

/// One problem in a user's file. The ui renders it with the source line and a caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user would type it (relative to the working directory when possible).
    pub file: PathBuf,
    /// 1-based line; 0 when the problem has no single place in the file.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How many characters to underline; at least 1.
    pub width: usize,
    /// The text of the offending line, without its newline, when known.
    pub source_line: Option<String>,
    /// The service the problem belongs to, when it belongs to one.
    pub service: Option<String>,
    /// Lowercase fragment: "unknown key `prot`".
    pub message: String,
    /// What the user can do: "did you mean `port`?".
    pub hint: Option<String>,
}

impl Diagnostic {
    /// The one-line form `file:line:column: service `x`: message`, used by plain output and tests.
    pub fn headline(&self) -> String {
        let mut out = self.file.display().to_string();
        if self.line > 0 {
            out.push_str(&format!(":{}:{}", self.line, self.column));
        }
        out.push_str(": ");
        if let Some(service) = &self.service {
            out.push_str(&format!("service `{service}`: "));
        }
        out.push_str(&self.message);
        out
    }
}

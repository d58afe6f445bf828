//! A problem found in a file the user owns, pointing at the line to fix.

use std::path::PathBuf;
use std::sync::Arc;

/// One problem in a user's file. The ui renders it with an excerpt of the line and a caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// The file as the user would type it (relative to the working directory when possible).
    pub(crate) file: PathBuf,
    /// 1-based line; line 1 for a problem with the file as a whole.
    pub(crate) line: usize,
    /// 1-based column, in characters.
    pub(crate) column: usize,
    /// How many characters to underline; at least 1.
    pub(crate) width: usize,
    /// The whole text of the file, shared by every diagnostic in it rather than copied: the
    /// ui cuts the excerpt it shows, so a 30 KB line costs nothing per problem.
    pub(crate) source: Option<Arc<str>>,
    /// The service the problem belongs to, when it belongs to one.
    pub(crate) service: Option<String>,
    /// Lowercase fragment: "unknown key `prot`".
    pub(crate) message: String,
    /// What the user can do: "did you mean `port`?".
    pub(crate) hint: Option<String>,
    /// How many more problems with the same service and message were folded into this one.
    pub(crate) repeats: usize,
}

impl Diagnostic {
    /// A problem with `file` as a whole, shown at line 1, column 1.
    pub(crate) fn whole_file(file: PathBuf, message: String, hint: Option<String>) -> Diagnostic {
        Diagnostic {
            file,
            line: 1,
            column: 1,
            width: 1,
            source: None,
            service: None,
            message,
            hint,
            repeats: 0,
        }
    }

    /// The text of the line the problem is on, when the source is known.
    pub(crate) fn source_line(&self) -> Option<&str> {
        self.source
            .as_deref()?
            .lines()
            .nth(self.line.checked_sub(1)?)
    }
}

/// Line and column (1-based, in characters) of byte `offset` in `text`; an offset inside a
/// character counts as that character.
pub(crate) fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    // UTF-8 continuation bytes do not start a character.
    let column = before[line_start..]
        .iter()
        .filter(|b| (**b & 0xC0) != 0x80)
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn byte_offsets_become_lines_and_character_columns() {
        let text = "a: 1\nbé: \u{ff}x".as_bytes();
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 5), (2, 1));
        // `é` is two bytes but one column.
        assert_eq!(line_column(text, 8), (2, 3));
        assert_eq!(line_column(text, 1000), (2, 7));
    }
}

//! Everything wrong with a manifest, reported at once.

use std::fmt;
use std::path::Path;

use crate::manifest::diagnostic::Diagnostic;

/// A manifest that could not be read or is invalid. Holds the problems found, in file order,
/// up to a cap; the rest are counted.
#[derive(Debug, thiserror::Error)]
pub(crate) struct ManifestError {
    /// The manifest file as the user would type it.
    pub(crate) file: String,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Problems found but not kept, beyond the cap.
    pub(crate) omitted: usize,
}

impl ManifestError {
    /// The problems of the manifest shown as `file`.
    pub(crate) fn new(file: &Path, diagnostics: Vec<Diagnostic>, omitted: usize) -> Self {
        ManifestError {
            file: file.display().to_string(),
            diagnostics,
            omitted,
        }
    }

    /// Every problem found: those kept, their folded repeats and those not kept.
    pub(crate) fn total(&self) -> usize {
        self.diagnostics
            .iter()
            .map(|d| 1 + d.repeats)
            .sum::<usize>()
            + self.omitted
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        let plural = if total == 1 { "" } else { "s" };
        write!(
            f,
            "{} is invalid ({} problem{plural})",
            self.file,
            thousands(total)
        )
    }
}

/// `3912` → `3,912`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn large_counts_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(3912), "3,912");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}

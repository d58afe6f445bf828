//! `Problems`: the diagnostics of one load, de-duplicated and capped, so a hostile or
//! machine-written manifest costs bounded memory and prints a bounded report.

use std::collections::HashMap;

use crate::manifest::diagnostic::Diagnostic;

/// Distinct problems kept and shown; the rest are counted ("and 3,912 more").
pub(crate) const KEPT: usize = 50;

/// Diagnostics in the order found, with repeats folded and the overflow counted.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    kept: Vec<Diagnostic>,
    /// (service, message) of each kept diagnostic, to fold repeats into it.
    index: HashMap<(Option<String>, String), usize>,
    /// Problems found beyond `KEPT` distinct ones.
    omitted: usize,
}

impl Problems {
    /// Whether a problem with this service and message would be kept as a new entry: hints
    /// that cost time to work out (a did-you-mean over 40,000 names) are skipped otherwise.
    pub(crate) fn wants(&self, service: Option<&String>, message: &str) -> bool {
        self.kept.len() < KEPT
            && !self
                .index
                .contains_key(&(service.cloned(), message.to_string()))
    }

    /// Records a problem: folded into an earlier one with the same service and message,
    /// kept when there is room, counted otherwise.
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        let key = (diagnostic.service.clone(), diagnostic.message.clone());
        if let Some(&at) = self.index.get(&key) {
            self.kept[at].repeats += 1;
        } else if self.kept.len() < KEPT {
            self.index.insert(key, self.kept.len());
            self.kept.push(diagnostic);
        } else {
            self.omitted += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The kept diagnostics in file order, and how many problems were not kept.
    pub(crate) fn finish(self) -> (Vec<Diagnostic>, usize) {
        let mut kept = self.kept;
        kept.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        (kept, self.omitted)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{KEPT, Problems};
    use crate::manifest::diagnostic::Diagnostic;

    fn problem(line: usize, message: &str) -> Diagnostic {
        Diagnostic {
            line,
            ..Diagnostic::whole_file(PathBuf::from("stack.yaml"), message.to_string(), None)
        }
    }

    #[test]
    fn repeats_fold_and_the_overflow_is_counted() {
        let mut problems = Problems::default();
        for line in 1..=1000 {
            problems.push(problem(line, "depends on itself"));
        }
        for n in 0..KEPT + 10 {
            problems.push(problem(2000 - n, &format!("problem {n}")));
        }
        let (kept, omitted) = problems.finish();
        assert_eq!(kept.len(), KEPT);
        assert_eq!((kept[0].line, kept[0].repeats), (1, 999));
        assert_eq!(omitted, 11);
        assert!(kept.windows(2).all(|w| w[0].line <= w[1].line));
    }
}

//! What an export did with each part of the manifest: translated, approximated or dropped.
//! Printed after every export, so nothing is lost silently.

use std::fmt::Write;

/// How faithfully a part of the manifest made it into the export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fidelity {
    /// Means the same on the target as under `stack up`.
    Translated,
    /// Kept, but not exactly: the note says how it differs.
    Approximated,
    /// Has no equivalent on the target: the note says what to do instead.
    Dropped,
}

impl Fidelity {
    fn heading(self) -> &'static str {
        match self {
            Fidelity::Translated => "translated",
            Fidelity::Approximated => "approximated",
            Fidelity::Dropped => "dropped",
        }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Note {
    pub(crate) fidelity: Fidelity,
    /// The service (or `gateway`, `volume pgdata`) it is about.
    pub(crate) subject: String,
    pub(crate) text: String,
}

/// Everything an export says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Report {
    notes: Vec<Note>,
}

impl Report {
    pub(crate) fn translated(&mut self, subject: &str, text: impl Into<String>) {
        self.add(Fidelity::Translated, subject, text);
    }

    pub(crate) fn approximated(&mut self, subject: &str, text: impl Into<String>) {
        self.add(Fidelity::Approximated, subject, text);
    }

    pub(crate) fn dropped(&mut self, subject: &str, text: impl Into<String>) {
        self.add(Fidelity::Dropped, subject, text);
    }

    fn add(&mut self, fidelity: Fidelity, subject: &str, text: impl Into<String>) {
        self.notes.push(Note {
            fidelity,
            subject: subject.to_string(),
            text: text.into(),
        });
    }

    /// The report as text: one block per fidelity, subjects aligned, in the order noted.
    pub(crate) fn render(&self) -> String {
        let width = self
            .notes
            .iter()
            .map(|n| n.subject.len())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for fidelity in [
            Fidelity::Translated,
            Fidelity::Approximated,
            Fidelity::Dropped,
        ] {
            let notes: Vec<&Note> = self
                .notes
                .iter()
                .filter(|n| n.fidelity == fidelity)
                .collect();
            if notes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{}:", fidelity.heading());
            for note in notes {
                let _ = writeln!(out, "  {:<width$}  {}", note.subject, note.text);
            }
        }
        out
    }
}

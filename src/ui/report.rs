//! Error rendering: `error: …`, the cause chain, source excerpts, then `hint: …`.

use std::error::Error as _;
use std::fmt::Write as _;

use console::Style;

use crate::error::Error;
use crate::manifest::diagnostic::Diagnostic;

/// Colours used in reports; all plain when colour is off.
struct Palette {
    error: Style,
    hint: Style,
    gutter: Style,
    caret: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        let style = |s: Style| s.force_styling(color);
        Palette {
            error: style(Style::new().red().bold()),
            hint: style(Style::new().cyan().bold()),
            gutter: style(Style::new().blue().bold()),
            caret: style(Style::new().red().bold()),
        }
    }
}

/// The full text shown for an error, ending with a newline.
pub(crate) fn render_error(error: &Error, color: bool) -> String {
    let palette = Palette::new(color);
    let mut out = String::new();
    if let Error::Manifest(manifest) = error {
        for diagnostic in &manifest.diagnostics {
            out.push_str(&render_diagnostic_with(diagnostic, &palette));
        }
        let _ = writeln!(out, "{}: {error}", palette.error.apply_to("error"));
        return out;
    }
    let _ = writeln!(out, "{}: {error}", palette.error.apply_to("error"));
    let mut cause = error.source();
    // `transparent` variants repeat their inner message as the first source; skip repeats.
    let mut last = error.to_string();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if text != last && !last.ends_with(&text) {
            let _ = writeln!(out, "  caused by: {text}");
        }
        last = text;
        cause = inner.source();
    }
    let (label, lines) = error.details();
    if !lines.is_empty() {
        let _ = writeln!(out, "  {label}:");
        for line in lines {
            let _ = writeln!(out, "    {} {line}", palette.gutter.apply_to("|"));
        }
    }
    if let Some(hint) = error.hint() {
        let _ = writeln!(out, "  {}: {hint}", palette.hint.apply_to("hint"));
    }
    out
}

/// One diagnostic, rustc-style: headline, location, the source line and a caret.
fn render_diagnostic_with(diagnostic: &Diagnostic, palette: &Palette) -> String {
    let mut out = String::new();
    let mut headline = String::new();
    if let Some(service) = &diagnostic.service {
        let _ = write!(headline, "service `{service}`: ");
    }
    headline.push_str(&diagnostic.message);
    let _ = writeln!(out, "{}: {headline}", palette.error.apply_to("error"));
    let location = if diagnostic.line > 0 {
        format!(
            "{}:{}:{}",
            diagnostic.file.display(),
            diagnostic.line,
            diagnostic.column
        )
    } else {
        diagnostic.file.display().to_string()
    };
    let number = diagnostic.line.to_string();
    let pad = " ".repeat(number.len());
    let _ = writeln!(out, "{pad}{} {location}", palette.gutter.apply_to("-->"));
    if let (Some(source), true) = (&diagnostic.source_line, diagnostic.line > 0) {
        let bar = palette.gutter.apply_to("|");
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(out, "{} {bar} {source}", palette.gutter.apply_to(&number));
        let indent: String = source
            .chars()
            .take(diagnostic.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat(diagnostic.width.max(1));
        let _ = writeln!(
            out,
            "{pad} {bar} {indent}{}",
            palette.caret.apply_to(carets)
        );
    }
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(
            out,
            "{pad} {} {}: {hint}",
            palette.gutter.apply_to("="),
            palette.hint.apply_to("hint")
        );
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Palette, render_diagnostic_with};
    use crate::manifest::diagnostic::Diagnostic;

    #[test]
    fn a_diagnostic_points_at_its_column() {
        let diagnostic = Diagnostic {
            file: PathBuf::from("stack.yaml"),
            line: 4,
            column: 5,
            width: 4,
            source_line: Some("    prot: 8000".to_string()),
            service: Some("api".to_string()),
            message: "unknown key `prot`".to_string(),
            hint: Some("did you mean `port`?".to_string()),
        };
        let text = render_diagnostic_with(&diagnostic, &Palette::new(false));
        assert_eq!(
            text,
            "error: service `api`: unknown key `prot`\n \
             --> stack.yaml:4:5\n  \
             |\n\
             4 |     prot: 8000\n  \
             |     ^^^^\n  \
             = hint: did you mean `port`?\n\n"
        );
    }
}

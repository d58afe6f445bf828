//! Error rendering: `error: …`, the cause chain, source excerpts, then `hint: …`.

use std::error::Error as _;
use std::fmt::Write as _;

use console::Style;

use crate::error::Error;
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::error::thousands;

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
        if manifest.omitted > 0 {
            let _ = writeln!(
                out,
                "… and {} more problem{} not shown\n",
                thousands(manifest.omitted),
                if manifest.omitted == 1 { "" } else { "s" }
            );
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
    let location = format!(
        "{}:{}:{}",
        diagnostic.file.display(),
        diagnostic.line,
        diagnostic.column
    );
    let number = diagnostic.line.to_string();
    let pad = " ".repeat(number.len());
    let _ = writeln!(out, "{pad}{} {location}", palette.gutter.apply_to("-->"));
    if let Some(source) = diagnostic.source_line() {
        let (excerpt, column) = excerpt(source, diagnostic.column);
        let bar = palette.gutter.apply_to("|");
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(out, "{} {bar} {excerpt}", palette.gutter.apply_to(&number));
        let indent: String = excerpt
            .chars()
            .take(column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let room = excerpt
            .chars()
            .count()
            .saturating_sub(column.saturating_sub(1));
        let carets = "^".repeat(diagnostic.width.clamp(1, room.max(1)));
        let _ = writeln!(
            out,
            "{pad} {bar} {indent}{}",
            palette.caret.apply_to(carets)
        );
    }
    if diagnostic.repeats > 0 {
        let _ = writeln!(
            out,
            "{pad} {} {} more like this",
            palette.gutter.apply_to("="),
            thousands(diagnostic.repeats)
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

/// At most `EXCERPT` characters of `line` around `column`, with `…` where it was cut, and
/// the column within the excerpt: a 30 KB line prints as one screen line.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    const EXCERPT: usize = 100;
    const BEFORE: usize = 30;
    let length = line.chars().count();
    if length <= EXCERPT {
        return (line.to_string(), column);
    }
    let start = column
        .saturating_sub(1)
        .saturating_sub(BEFORE)
        .min(length - EXCERPT);
    let mut text: String = line.chars().skip(start).take(EXCERPT).collect();
    let mut column = column - start;
    if start > 0 {
        text.insert(0, '…');
        column += 1;
    }
    if start + EXCERPT < length {
        text.push('…');
    }
    (text, column)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Palette, excerpt, render_diagnostic_with};
    use crate::manifest::diagnostic::Diagnostic;

    #[test]
    fn a_diagnostic_points_at_its_column() {
        let diagnostic = Diagnostic {
            file: PathBuf::from("stack.yaml"),
            line: 4,
            column: 5,
            width: 4,
            source: Some("services:\n  api:\n    path: .\n    prot: 8000\n".into()),
            service: Some("api".to_string()),
            message: "unknown key `prot`".to_string(),
            hint: Some("did you mean `port`?".to_string()),
            repeats: 0,
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

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = format!("{}HERE{}", "a".repeat(30_000), "b".repeat(30_000));
        let (text, column) = excerpt(&line, 30_001);
        assert!(text.chars().count() <= 102, "{}", text.len());
        assert_eq!(text.chars().nth(column - 1), Some('H'));
        assert!(text.starts_with('…') && text.ends_with('…'));
        assert_eq!(excerpt("short", 3), ("short".to_string(), 3));
    }
}

//! `--format` templates as `docker compose ps` users write them: text with `{{.Field}}`
//! placeholders, `\t` and `\n` as in Docker's CLI, and a `table ` prefix that adds a
//! header and aligns the tab-separated columns. Only placeholders: no functions, no
//! conditions; anything else is refused with the list of fields.

/// A parsed `--format` template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    /// `table …`: a header line, and columns aligned.
    table: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(String),
}

impl Template {
    /// A `table …` template: columns for people to read, not lines for a script.
    pub(crate) fn is_table(&self) -> bool {
        self.table
    }

    /// Parses `text` against the fields a row has; the error says what is wrong in a
    /// sentence that names the fields.
    pub(crate) fn parse(text: &str, fields: &[&str]) -> Result<Template, String> {
        let (table, body) = match text.strip_prefix("table") {
            Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                (true, rest.trim_start())
            }
            _ => (false, text),
        };
        let body = body.replace("\\t", "\t").replace("\\n", "\n");
        let known = || {
            fields
                .iter()
                .map(|f| format!("{{{{.{f}}}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        let mut rest = body.as_str();
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| format!("`{{{{` without `}}}}` in `{text}`"))?;
            let inner = after[..close].trim();
            let field = inner
                .strip_prefix('.')
                .filter(|f| fields.contains(f))
                .ok_or_else(|| {
                    format!(
                        "`{{{{{inner}}}}}` is not a field; a template holds only these placeholders: {}",
                        known()
                    )
                })?;
            parts.push(Part::Field(field.to_string()));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts, table })
    }

    /// The rows (each a list of field name and value), one line each; a table gets a
    /// header of the field names in capitals and columns padded to one width.
    pub(crate) fn render(&self, rows: &[Vec<(&str, String)>]) -> String {
        let line = |row: &Vec<(&str, String)>| -> String {
            self.parts
                .iter()
                .map(|part| match part {
                    Part::Text(text) => text.clone(),
                    Part::Field(field) => row
                        .iter()
                        .find(|(name, _)| name == field)
                        .map(|(_, value)| value.clone())
                        .unwrap_or_default(),
                })
                .collect()
        };
        let mut lines: Vec<String> = Vec::new();
        if self.table {
            let header = self
                .parts
                .iter()
                .map(|part| match part {
                    Part::Text(text) => text.clone(),
                    Part::Field(field) => header_of(field),
                })
                .collect();
            lines.push(header);
        }
        lines.extend(rows.iter().map(line));
        if self.table {
            aligned(&lines)
        } else {
            lines.join("\n")
        }
    }
}

/// `ExitCode` as a column header: `EXIT CODE`.
fn header_of(field: &str) -> String {
    let mut out = String::new();
    let mut after_lowercase = false;
    for c in field.chars() {
        if c.is_uppercase() && after_lowercase {
            out.push(' ');
        }
        after_lowercase = c.is_lowercase();
        out.extend(c.to_uppercase());
    }
    out
}

/// Tab-separated cells padded so the columns line up, two spaces apart; trailing
/// blanks trimmed.
pub(crate) fn aligned(lines: &[String]) -> String {
    let cells: Vec<Vec<&str>> = lines.iter().map(|l| l.split('\t').collect()).collect();
    let columns = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            cells
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::{Template, aligned, header_of};

    const FIELDS: [&str; 4] = ["Service", "State", "URL", "ExitCode"];

    fn rows() -> Vec<Vec<(&'static str, String)>> {
        vec![
            vec![
                ("Service", "api".to_string()),
                ("State", "running".to_string()),
                ("URL", "http://127.0.0.1:41234".to_string()),
                ("ExitCode", String::new()),
            ],
            vec![
                ("Service", "migrate".to_string()),
                ("State", "exited".to_string()),
                ("URL", String::new()),
                ("ExitCode", "0".to_string()),
            ],
        ]
    }

    #[test]
    fn placeholders_are_filled_line_by_line() {
        let template = Template::parse("{{.Service}}={{ .URL }}", &FIELDS).expect("valid");
        assert_eq!(
            template.render(&rows()),
            "api=http://127.0.0.1:41234\nmigrate="
        );
    }

    #[test]
    fn a_table_gets_a_header_and_aligned_columns() {
        let template = Template::parse("table {{.Service}}\\t{{.State}}\\t{{.ExitCode}}", &FIELDS)
            .expect("valid");
        assert_eq!(
            template.render(&rows()),
            "SERVICE  STATE    EXIT CODE\napi      running\nmigrate  exited   0"
        );
    }

    #[test]
    fn anything_but_a_known_field_is_refused_with_the_fields() {
        let unknown = Template::parse("{{.Nope}}", &FIELDS).expect_err("unknown");
        assert!(unknown.contains("`{{.Nope}}` is not a field"), "{unknown}");
        assert!(unknown.contains("{{.Service}}, {{.State}}"), "{unknown}");
        assert!(Template::parse("{{json .}}", &FIELDS).is_err());
        assert!(Template::parse("{{.Service", &FIELDS).is_err());
        // `tablet` is text, not a table.
        let text = Template::parse("tablet", &FIELDS).expect("plain text");
        assert_eq!(text.render(&rows()), "tablet\ntablet");
    }

    #[test]
    fn headers_split_words_and_cells_align() {
        assert_eq!(header_of("ExitCode"), "EXIT CODE");
        assert_eq!(header_of("URL"), "URL");
        assert_eq!(header_of("ID"), "ID");
        assert_eq!(
            aligned(&["a\tbb".to_string(), "ccc\td".to_string()]),
            "a    bb\nccc  d"
        );
    }
}

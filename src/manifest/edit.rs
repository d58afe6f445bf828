//! Adding a service to stack.yaml as text: the user's comments, key order, quoting and
//! indentation stay exactly as they were, because the file is never re-serialised. The
//! caller validates the result with the loader before it replaces the file.

use std::sync::LazyLock;

use regex::Regex;

/// The top-level `services:` key and what follows it on the same line.
static SERVICES_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:services|"services"|'services')[ \t]*:(?P<rest>.*?)\r?\n?$"#)
        .expect("a valid pattern")
});

/// Why the text could not be edited safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EditError {
    #[error("`services` on line {line} is written in flow style (`services: {{ … }}`)")]
    FlowStyle { line: usize },
}

/// `source` with a service entry called `name` appended to the top-level `services:`
/// mapping, its `fields` (key, YAML value) one per line, indented like the services already
/// there (two spaces a level when there are none); a value of several lines (`A: 1\nB: 2`)
/// is a block under its key, one level deeper. A file without `services:` gets the key at
/// its end.
pub(crate) fn add_service(
    source: &str,
    name: &str,
    fields: &[(&str, String)],
) -> Result<String, EditError> {
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let Some(key) = lines.iter().position(|line| SERVICES_KEY.is_match(line)) else {
        let mut out = with_final_newline(source, newline);
        out.push_str("services:");
        out.push_str(newline);
        out.push_str(&entry(name, fields, 2, 2, newline));
        return Ok(out);
    };
    let rest = SERVICES_KEY
        .captures(lines[key])
        .and_then(|c| c.name("rest"))
        .map_or("", |m| m.as_str());
    let value = strip_comment(rest).trim();
    if value == "{}" {
        // An empty flow mapping becomes a block with one entry; a comment after it stays.
        let comment = rest[rest.find('#').unwrap_or(rest.len())..].trim_end();
        let mut out: String = lines[..key].concat();
        out.push_str(lines[key].split(':').next().unwrap_or("services"));
        out.push(':');
        if !comment.is_empty() {
            out.push(' ');
            out.push_str(comment);
        }
        out.push_str(newline);
        out.push_str(&entry(name, fields, 2, 2, newline));
        out.push_str(&lines[key + 1..].concat());
        return Ok(out);
    }
    if !value.is_empty() {
        return Err(EditError::FlowStyle { line: key + 1 });
    }
    // The block runs until the next line that starts at column 0 and is not a comment (the
    // next top-level key, or a document marker); the entry goes after its last indented
    // line, so blank lines and comments that introduce the next key stay with that key.
    let end = lines[key + 1..]
        .iter()
        .position(|line| {
            let first = line.chars().next();
            first.is_some_and(|c| !c.is_whitespace() && c != '#')
        })
        .map_or(lines.len(), |offset| key + 1 + offset);
    let indented = |line: &&str| line.starts_with([' ', '\t']) && !line.trim().is_empty();
    let last = lines[key + 1..end]
        .iter()
        .rposition(&indented)
        .map_or(key, |offset| key + 1 + offset);
    let content = lines[key + 1..end]
        .iter()
        .filter(|line| indented(line) && !line.trim_start().starts_with('#'));
    let depth = |line: &str| line.len() - line.trim_start().len();
    let mut depths = content.map(|line| depth(line));
    let service_indent = depths.next().unwrap_or(2);
    let field_step = depths
        .find(|d| *d > service_indent)
        .map_or(service_indent, |d| d - service_indent);
    let mut out: String = lines[..=last].concat();
    out = with_final_newline(&out, newline);
    out.push_str(&entry(name, fields, service_indent, field_step, newline));
    out.push_str(&lines[last + 1..].concat());
    Ok(out)
}

fn with_final_newline(text: &str, newline: &str) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    out
}

/// `value` without a trailing ` # comment` (a `#` inside quotes is kept).
fn strip_comment(value: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (index, c) in value.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return &value[..index],
            _ => {}
        }
        previous = c;
    }
    value
}

fn entry(
    name: &str,
    fields: &[(&str, String)],
    indent: usize,
    step: usize,
    newline: &str,
) -> String {
    let mut out = format!("{}{name}:{newline}", " ".repeat(indent));
    let field_indent = " ".repeat(indent + step);
    for (key, value) in fields {
        if value.contains('\n') {
            out.push_str(&format!("{field_indent}{key}:{newline}"));
            for line in value.lines() {
                out.push_str(&format!(
                    "{field_indent}{}{line}{newline}",
                    " ".repeat(step)
                ));
            }
        } else {
            out.push_str(&format!("{field_indent}{key}: {value}{newline}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{EditError, add_service};

    fn fields() -> Vec<(&'static str, String)> {
        vec![
            ("path", "services/api".to_string()),
            ("port", "8000".to_string()),
        ]
    }

    #[test]
    fn appends_after_the_last_service_with_its_indentation() {
        let source = "name: demo   # the project\nservices:\n    db:\n        image: postgres:15  # pinned\n\n# the gateway\ngateway:\n    port: 8080\n";
        assert_eq!(
            add_service(source, "api", &fields()).expect("editable"),
            "name: demo   # the project\nservices:\n    db:\n        image: postgres:15  # pinned\n    api:\n        path: services/api\n        port: 8000\n\n# the gateway\ngateway:\n    port: 8080\n"
        );
    }

    #[test]
    fn a_column_zero_comment_inside_the_block_does_not_end_it() {
        let source =
            "services:\n  web:\n    path: web\n# the database\n  db:\n    image: redis:7\n";
        assert_eq!(
            add_service(source, "api", &fields()).expect("editable"),
            "services:\n  web:\n    path: web\n# the database\n  db:\n    image: redis:7\n  api:\n    path: services/api\n    port: 8000\n"
        );
    }

    #[test]
    fn a_value_of_several_lines_is_a_block_one_level_deeper() {
        let fields = vec![
            ("image", "postgres:17".to_string()),
            ("env", "A: one\nB: two".to_string()),
        ];
        assert_eq!(
            add_service("services:\n    web:\n        path: web\n", "db", &fields)
                .expect("editable"),
            "services:\n    web:\n        path: web\n    db:\n        image: postgres:17\n        env:\n            A: one\n            B: two\n"
        );
    }

    #[test]
    fn empty_and_missing_services_and_crlf() {
        assert_eq!(
            add_service("services: {}  # none yet\n", "api", &fields()).expect("editable"),
            "services: # none yet\n  api:\n    path: services/api\n    port: 8000\n"
        );
        assert_eq!(
            add_service("name: demo", "api", &fields()).expect("editable"),
            "name: demo\nservices:\n  api:\n    path: services/api\n    port: 8000\n"
        );
        assert_eq!(
            add_service("services:\r\n  db:\r\n    image: redis:7", "api", &fields())
                .expect("editable"),
            "services:\r\n  db:\r\n    image: redis:7\r\n  api:\r\n    path: services/api\r\n    port: 8000\r\n"
        );
        assert_eq!(
            add_service("services: { db: { image: redis:7 } }\n", "api", &fields()),
            Err(EditError::FlowStyle { line: 1 })
        );
    }
}

//! Parsing a manifest file's YAML, and saying what is wrong with YAML that does not parse in
//! stack's words: the YAML library's own text speaks to programmers ("set
//! DuplicateKeyPolicy in Options") and never reaches users as is.

use serde::Deserialize;
use serde_saphyr::{Budget, Error, Location, NonFiniteFloatPolicy, Options};

use crate::manifest::located::{Pos, stamped};

/// The most YAML nodes (keys, values, items) a manifest may have.
pub(crate) const MAX_NODES: usize = 100_000;

/// Parses `text`, loaded file number `file`, into `T`.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(file: usize, text: &str) -> Result<T, Error> {
    let mut options = Options::default();
    // A hand-written manifest has hundreds of nodes; the cap keeps a machine-written one
    // within bounded memory (every node keeps its position).
    let mut budget = Budget::default();
    budget.max_nodes = MAX_NODES;
    options.budget = Some(budget);
    // `port: 1e999` is a value validation judges, not a YAML error.
    options.non_finite_float_policy = NonFiniteFloatPolicy::PassThrough;
    // Diagnostics show the source themselves.
    options.with_snippet = false;
    stamped(file, || serde_saphyr::from_str_with_options(text, options))
}

/// Where a YAML error is, and what to say and suggest about it.
pub(crate) fn describe(file: usize, error: &Error) -> (Pos, String, Option<String>) {
    let pos = error
        .location()
        .map_or(Pos::NOWHERE, |location| at(file, location));
    let (message, hint) = words(error);
    (pos, message, Some(hint))
}

fn at(file: usize, location: Location) -> Pos {
    Pos {
        file,
        line: usize::try_from(location.line()).unwrap_or(0),
        column: usize::try_from(location.column()).unwrap_or(0),
        width: 1,
        bytes: None,
    }
}

const SYNTAX: &str = "check the indentation and quoting around this line";

fn words(error: &Error) -> (String, String) {
    match error {
        Error::DuplicateMappingKey { key: Some(key), .. } => (
            format!("`{}` is written twice in the same mapping", clip(key)),
            "keep one of them: YAML keeps no duplicate keys".to_string(),
        ),
        Error::DuplicateMappingKey { key: None, .. } => (
            "a key is written twice in the same mapping".to_string(),
            "keep one of them: YAML keeps no duplicate keys".to_string(),
        ),
        Error::MultipleDocuments { .. } => (
            "the file holds more than one YAML document (`---`)".to_string(),
            "keep one document; merge several files with `-f a.yaml -f b.yaml`".to_string(),
        ),
        Error::Budget { .. }
        | Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::RecursiveReferencesRequireWeakTypes { .. } => (
            format!(
                "the YAML is too large or too deeply nested to be a manifest (at most {MAX_NODES} values, nested 64 deep)"
            ),
            "a manifest nests a few levels deep; check for runaway `[`, `{` or `*alias` expansion"
                .to_string(),
        ),
        Error::UnknownAnchor { .. } => (
            "an alias (`*name`) refers to an anchor (`&name`) that is not defined before it"
                .to_string(),
            "define `&name` on an earlier value, or write the value out".to_string(),
        ),
        Error::Eof { .. } => (
            "the file ends in the middle of a value".to_string(),
            "close every quote, `[` and `{`".to_string(),
        ),
        Error::InvalidUtf8Input => (
            "the file is not valid UTF-8".to_string(),
            "save it as UTF-8".to_string(),
        ),
        Error::AliasError { error, .. } => words(error),
        _ => (
            format!("not valid YAML: {}", library_text(error)),
            SYNTAX.to_string(),
        ),
    }
}

/// The library's message without its position (diagnostics show it) and cut short.
fn library_text(error: &Error) -> String {
    let text = error.to_string();
    let text = match text.find(" at line ") {
        Some(at) => &text[..at],
        None => text.as_str(),
    };
    clip(text.trim())
}

fn clip(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{describe, parse};
    use crate::manifest::value::Value;

    fn problem(text: &str) -> (usize, usize, String) {
        let error = parse::<Value>(0, text).expect_err("invalid");
        let (pos, message, _) = describe(0, &error);
        (pos.line, pos.column, message)
    }

    #[test]
    fn library_advice_to_programmers_never_reaches_users() {
        let (line, _, message) = problem("services:\n  a: {}\n  a: {}\n");
        assert_eq!(line, 3);
        assert_eq!(message, "`a` is written twice in the same mapping");
        let (_, _, message) = problem("a: 1\n---\nb: 2\n");
        assert!(message.contains("more than one YAML document"), "{message}");
        let (_, _, message) = problem(&"[".repeat(10_000));
        assert!(
            !message.contains("Options") && !message.contains("Budget"),
            "{message}"
        );
    }

    #[test]
    fn infinite_numbers_are_values_for_validation_to_judge() {
        assert!(parse::<Value>(0, "port: 1e999\n").is_ok());
    }
}

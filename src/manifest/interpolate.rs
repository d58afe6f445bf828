//! `${VAR}` interpolation in manifest strings, with Docker Compose's syntax and meaning.
//!
//! `${VAR}` and `$VAR` take the variable (empty when unset), `${VAR:-default}` uses the
//! default when the variable is unset or empty, `${VAR-default}` only when unset,
//! `${VAR:?message}` / `${VAR?message}` make a missing variable an error, and `$$` is a
//! literal `$`. Defaults may themselves use `${…}`, up to `MAX_NESTING` levels deep.

use std::collections::BTreeMap;

/// How deeply `${A:-${B:-…}}` may nest. Far past any real default, and small enough that a
/// machine-written 100,000-deep nest is refused at once instead of overflowing the stack.
pub(crate) const MAX_NESTING: usize = 16;

/// Why a string could not be interpolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum InterpolationError {
    /// `${VAR:?message}` with `VAR` unset (or empty, for `:?`).
    Required { name: String, message: String },
    /// `${` without its closing `}`.
    Unterminated,
    /// `${}` or a name that is not a variable name.
    BadName(String),
    /// Defaults nested more than `MAX_NESTING` deep.
    TooDeep,
}

impl InterpolationError {
    /// A lowercase fragment for a diagnostic.
    pub(crate) fn message(&self) -> String {
        match self {
            InterpolationError::Required { name, message } if message.is_empty() => {
                format!("`{name}` is required but not set")
            }
            InterpolationError::Required { name, message } => {
                format!("`{name}` is required but not set: {message}")
            }
            InterpolationError::Unterminated => "`${` is not closed with `}`".to_string(),
            InterpolationError::BadName(name) => {
                let shown: String = name.chars().take(40).collect();
                let more = if shown.len() < name.len() { "…" } else { "" };
                format!("`${{{shown}{more}}}` is not a valid variable reference")
            }
            InterpolationError::TooDeep => {
                format!("`${{…}}` defaults are nested more than {MAX_NESTING} levels deep")
            }
        }
    }

    /// What the user can do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            InterpolationError::Required { name, .. } => {
                format!("set `{name}` in the environment or in the project's .env file")
            }
            InterpolationError::TooDeep => {
                "nest fewer defaults, or set the variable in the environment or .env".to_string()
            }
            InterpolationError::Unterminated | InterpolationError::BadName(_) => {
                "write `${NAME}`, `${NAME:-default}` or `${NAME:?message}`; `$$` is a literal `$`"
                    .to_string()
            }
        }
    }
}

/// Replaces every variable reference in `text` with its value from `vars`.
pub(crate) fn interpolate(
    text: &str,
    vars: &BTreeMap<String, String>,
) -> Result<String, InterpolationError> {
    interpolate_at(text, vars, 0)
}

/// `interpolate` inside `depth` enclosing defaults.
fn interpolate_at(
    text: &str,
    vars: &BTreeMap<String, String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    if depth > MAX_NESTING {
        return Err(InterpolationError::TooDeep);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('{') {
            let close = closing_brace(inner).ok_or(InterpolationError::Unterminated)?;
            out.push_str(&expand(&inner[..close], vars, depth)?);
            rest = &inner[close + 1..];
        } else {
            let len = name_len(after);
            if len == 0 {
                // A lone `$` (`cost: 5$`) is kept, as Compose does.
                out.push('$');
            } else {
                out.push_str(vars.get(&after[..len]).map_or("", String::as_str));
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes a `${`, allowing nested `${…}` in defaults.
fn closing_brace(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Length of the variable name at the start of `text`.
fn name_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(*c == '_' || c.is_ascii_alphanumeric()))
        .map_or(text.len(), |(i, _)| i)
}

/// Expands the inside of one `${…}`.
fn expand(
    body: &str,
    vars: &BTreeMap<String, String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    let len = name_len(body);
    if len == 0 {
        return Err(InterpolationError::BadName(body.to_string()));
    }
    let (name, operator) = body.split_at(len);
    let value = vars.get(name);
    let set_and_not_empty = value.is_some_and(|v| !v.is_empty());
    let with_colon = operator.starts_with(':');
    let present = if with_colon {
        set_and_not_empty
    } else {
        value.is_some()
    };
    let operator = operator.strip_prefix(':').unwrap_or(operator);
    let taken = || value.cloned().unwrap_or_default();
    if operator.is_empty() && !with_colon {
        return Ok(taken());
    }
    if let Some(default) = operator.strip_prefix('-') {
        return if present {
            Ok(taken())
        } else {
            interpolate_at(default, vars, depth + 1)
        };
    }
    if let Some(message) = operator.strip_prefix('?') {
        return if present {
            Ok(taken())
        } else {
            Err(InterpolationError::Required {
                name: name.to_string(),
                message: message.to_string(),
            })
        };
    }
    Err(InterpolationError::BadName(body.to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{InterpolationError, MAX_NESTING, interpolate};

    fn vars() -> BTreeMap<String, String> {
        [("USER", "ada"), ("EMPTY", ""), ("PORT", "5432")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn variables_defaults_and_literal_dollars() {
        let vars = vars();
        let cases = [
            (
                "postgres://${USER}@db:${PORT}/app",
                "postgres://ada@db:5432/app",
            ),
            ("$USER-x", "ada-x"),
            ("${MISSING}", ""),
            ("${MISSING:-fallback}", "fallback"),
            ("${EMPTY:-fallback}", "fallback"),
            ("${EMPTY-fallback}", ""),
            ("${MISSING-${USER}}", "ada"),
            ("cost: $$5 and 5$", "cost: $5 and 5$"),
            ("${USER:?needed}", "ada"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                interpolate(input, &vars).as_deref(),
                Ok(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn required_variables_and_malformed_references_are_errors() {
        let vars = vars();
        assert_eq!(
            interpolate("${TOKEN:?set a token}", &vars),
            Err(InterpolationError::Required {
                name: "TOKEN".to_string(),
                message: "set a token".to_string()
            })
        );
        assert!(matches!(
            interpolate("${EMPTY:?}", &vars),
            Err(InterpolationError::Required { .. })
        ));
        assert_eq!(interpolate("${EMPTY?}", &vars).as_deref(), Ok(""));
        assert_eq!(
            interpolate("${USER", &vars),
            Err(InterpolationError::Unterminated)
        );
        assert_eq!(
            interpolate("${1X}", &vars),
            Err(InterpolationError::BadName("1X".to_string()))
        );
    }

    #[test]
    fn nesting_is_bounded_and_a_deep_nest_is_refused_without_recursing() {
        let vars = vars();
        let nest = |depth: usize| format!("{}x{}", "${A:-".repeat(depth), "}".repeat(depth));
        assert_eq!(interpolate(&nest(MAX_NESTING), &vars).as_deref(), Ok("x"));
        assert_eq!(
            interpolate(&nest(MAX_NESTING + 2), &vars),
            Err(InterpolationError::TooDeep)
        );
        assert_eq!(
            interpolate(&nest(100_000), &vars),
            Err(InterpolationError::TooDeep)
        );
        assert_eq!(
            interpolate(&"${A:-".repeat(100_000), &vars),
            Err(InterpolationError::Unterminated)
        );
    }
}

//! `Checker`: reads loose raw values into typed ones, collecting every problem on the way.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use regex::Regex;

use crate::manifest::compose::compose_hint;
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::interpolate::interpolate;
use crate::manifest::located::{Located, Pos};
use crate::manifest::problems::Problems;
use crate::manifest::section::Section;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::value::Value;

/// A string read from the manifest, interpolated, with where it was written.
pub(crate) type Text = Located<String>;

/// The longest `timeout` or `interval` stack accepts: a wait longer than a day is a typo,
/// and larger values overflow the clocks that time the wait.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// Docker's image reference grammar: `[host[:port]/]path[:tag][@digest]`, the path in
/// lowercase.
static IMAGE_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let label = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    Regex::new(&format!(
        r"^(?:{label}(?:\.{label})*(?::[0-9]+)?/)?{component}(?:/{component})*(?::\w[\w.-]{{0,127}})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{{32,}})?$"
    ))
    .expect("a valid pattern")
});

/// One file a manifest was read from.
#[derive(Clone, Debug)]
pub(crate) struct SourceFile {
    /// The file as messages name it.
    pub(crate) shown: PathBuf,
    /// Its text, shared with every diagnostic that points into it.
    pub(crate) text: Arc<str>,
}

/// Collects diagnostics while validation reads the raw model. Readers return `None` after
/// reporting a problem, so validation goes on and reports the next one.
pub(crate) struct Checker<'a> {
    /// The files positions point into, by `Pos::file`.
    files: Vec<SourceFile>,
    vars: &'a BTreeMap<String, String>,
    /// The service being checked, named in every diagnostic raised meanwhile.
    pub(crate) service: Option<String>,
    problems: Problems,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(files: Vec<SourceFile>, vars: &'a BTreeMap<String, String>) -> Self {
        Checker {
            files,
            vars,
            service: None,
            problems: Problems::default(),
        }
    }

    /// The variables `${…}` reads: the environment over the project's `.env`.
    pub(crate) fn vars(&self) -> &BTreeMap<String, String> {
        self.vars
    }

    /// The file `pos` points into.
    fn file(&self, pos: Pos) -> Option<&SourceFile> {
        self.files.get(pos.file).or(self.files.first())
    }

    /// Records a problem at `pos`; a problem with no place in the file is shown at 1:1.
    pub(crate) fn error(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        self.error_with(pos, message, || hint);
    }

    /// Records a problem whose hint is only worked out when the problem is shown: folded
    /// repeats and problems past the cap skip it, which keeps validation linear.
    pub(crate) fn error_with(
        &mut self,
        pos: Pos,
        message: impl Into<String>,
        hint: impl FnOnce() -> Option<String>,
    ) {
        let message = message.into();
        let file = self.file(pos).cloned();
        let hint = if self.problems.wants(self.service.as_ref(), &message) {
            hint()
        } else {
            None
        };
        let (line, column) = if pos.line == 0 {
            (1, 1)
        } else {
            (pos.line, pos.column.max(1))
        };
        self.problems.push(Diagnostic {
            file: file.as_ref().map(|f| f.shown.clone()).unwrap_or_default(),
            line,
            column,
            width: pos.width.max(1),
            source: file.map(|f| f.text),
            service: self.service.clone(),
            message,
            hint,
            repeats: 0,
        });
    }

    /// Every problem found, in file order, and how many more were not kept.
    pub(crate) fn finish(self) -> (Vec<Diagnostic>, usize) {
        self.problems.finish()
    }

    pub(crate) fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The fields of a mapping section, after reporting its unknown keys. `example` shows
    /// the expected shape when the section is not a mapping at all.
    pub(crate) fn section<'s, T>(
        &mut self,
        section: &'s Located<Section<T>>,
        name: &str,
        example: &str,
    ) -> Option<&'s T> {
        match &section.value {
            Section::Fields {
                value,
                unknown,
                known,
            } => {
                for (key, value) in unknown {
                    let typed = self.key_text(key);
                    let hint = compose_hint(self, known, &typed, value).unwrap_or_else(|| {
                        did_you_mean(&typed, known.iter().copied(), "valid keys are")
                    });
                    self.error(key.pos, format!("unknown key `{typed}`"), Some(hint));
                }
                Some(value)
            }
            Section::Other(shape) => {
                self.error(
                    section.pos,
                    format!("`{name}` must be a mapping, found {}", shape.describe()),
                    Some(format!("write it like `{example}`")),
                );
                None
            }
        }
    }

    /// A mapping key as the user typed it.
    pub(crate) fn key_text(&self, key: &Located<Value>) -> String {
        match &key.value {
            Value::Text(text) => text.clone(),
            Value::Literal(_) => self.literal(key),
            Value::Null => "~".to_string(),
            Value::List(_) | Value::Map(_) => "a collection".to_string(),
        }
    }

    /// The text of the node at `pos` as it is in the source, trimmed.
    pub(crate) fn source_text(&self, pos: Pos) -> Option<String> {
        let (start, len) = pos.bytes?;
        let text = self.file(pos)?.text.get(start..start.checked_add(len)?)?;
        Some(text.trim().to_string())
    }

    /// A scalar as written, without `${…}` resolved; `None` for a collection.
    pub(crate) fn scalar_text(&self, value: &Located<Value>) -> Option<String> {
        match &value.value {
            Value::Text(text) => Some(text.clone()),
            Value::Literal(_) => Some(self.literal(value)),
            Value::Null | Value::List(_) | Value::Map(_) => None,
        }
    }

    /// The exact source text of a scalar YAML typed as a number or boolean: `3.10` stays
    /// `3.10`.
    fn literal(&self, value: &Located<Value>) -> String {
        let typed = match &value.value {
            Value::Literal(typed) => typed.clone(),
            Value::Null | Value::Text(_) | Value::List(_) | Value::Map(_) => String::new(),
        };
        let source = self.file(value.pos).map(|f| &*f.text);
        value
            .pos
            .bytes
            .and_then(|(start, len)| source?.get(start..start.checked_add(len)?))
            .map(|text| text.trim().to_string())
            .unwrap_or(typed)
    }

    /// A single scalar as a string, with `${…}` resolved.
    pub(crate) fn text(&mut self, value: &Located<Value>, field: &str) -> Option<Text> {
        let text = match &value.value {
            Value::Text(text) => match interpolate(text, self.vars) {
                Ok(text) => text,
                Err(problem) => {
                    self.error(
                        value.pos,
                        format!("`{field}`: {}", problem.message()),
                        Some(problem.hint()),
                    );
                    return None;
                }
            },
            Value::Literal(_) => self.literal(value),
            other => {
                self.error(
                    value.pos,
                    format!(
                        "`{field}` must be a single value, found {}",
                        other.shape().describe()
                    ),
                    None,
                );
                return None;
            }
        };
        Some(Located::new(text, value.pos))
    }

    /// A list of scalars.
    pub(crate) fn texts(&mut self, value: &Located<Value>, field: &str) -> Option<Vec<Text>> {
        match &value.value {
            Value::List(items) => {
                let read: Vec<Option<Text>> =
                    items.iter().map(|item| self.text(item, field)).collect();
                read.into_iter().collect()
            }
            Value::Null => Some(Vec::new()),
            other => {
                self.error(
                    value.pos,
                    format!(
                        "`{field}` must be a list, found {}",
                        other.shape().describe()
                    ),
                    Some(format!("write it like `{field}: [a, b]`")),
                );
                None
            }
        }
    }

    /// One scalar or a list of them.
    pub(crate) fn one_or_many(&mut self, value: &Located<Value>, field: &str) -> Option<Vec<Text>> {
        match &value.value {
            Value::Text(_) | Value::Literal(_) => self.text(value, field).map(|text| vec![text]),
            // `texts` takes a list (or nothing) and reports a mapping.
            Value::Null | Value::List(_) | Value::Map(_) => self.texts(value, field),
        }
    }

    /// A mapping of names to scalars; a key without a value is `None`.
    pub(crate) fn text_map(
        &mut self,
        value: &Located<Value>,
        field: &str,
    ) -> Option<Vec<(Text, Option<Text>)>> {
        let Value::Map(entries) = &value.value else {
            if value.value == Value::Null {
                return Some(Vec::new());
            }
            self.error(
                value.pos,
                format!(
                    "`{field}` must be a mapping, found {}",
                    value.value.shape().describe()
                ),
                Some(format!("write it like `{field}: {{ KEY: value }}`")),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, item) in entries {
            let key = Located::new(self.key_text(key), key.pos);
            let item = match item.value {
                Value::Null => None,
                Value::Text(_) | Value::Literal(_) | Value::List(_) | Value::Map(_) => {
                    match self.text(item, &format!("{field}.{}", key.value)) {
                        Some(text) => Some(text),
                        None => {
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            out.push((key, item));
        }
        ok.then_some(out)
    }

    /// An image reference such as `postgres:16`, as the engine's grammar has it: checked
    /// here so `config` refuses what the engine would refuse at `up`.
    pub(crate) fn image(&mut self, value: &Located<Value>, field: &str) -> Option<String> {
        let image = self.text(value, field)?;
        if image.value.len() > 255 || !IMAGE_REFERENCE.is_match(&image.value) {
            self.error(
                image.pos,
                format!("`{}` is not an image reference", image.value),
                Some("write it like `postgres:16` or `redis:7-alpine`".to_string()),
            );
            return None;
        }
        Some(image.value)
    }

    /// A TCP port: 1 to 65535.
    pub(crate) fn port(&mut self, value: &Located<Value>, field: &str) -> Option<u16> {
        let text = self.text(value, field)?;
        match text.value.parse::<u64>() {
            Ok(port) if (1..=65535).contains(&port) => u16::try_from(port).ok(),
            Ok(port) => {
                self.error(
                    value.pos,
                    format!("`{field}` {port} is out of range"),
                    Some("ports are numbers from 1 to 65535".to_string()),
                );
                None
            }
            Err(_) => {
                self.error(
                    value.pos,
                    format!("`{field}` must be a port number, found `{}`", text.value),
                    Some("ports are numbers from 1 to 65535, e.g. `8000`".to_string()),
                );
                None
            }
        }
    }

    /// `true` or `false` (YAML's `yes`/`no` are not accepted: they surprise people).
    pub(crate) fn flag(&mut self, value: &Located<Value>, field: &str) -> Option<bool> {
        let text = self.text(value, field)?;
        match text.value.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                self.error(
                    value.pos,
                    format!("`{field}` must be true or false, found `{other}`"),
                    None,
                );
                None
            }
        }
    }

    /// `90s`, `500ms`, `2m`, or a plain number of seconds; more than zero, at most a day.
    pub(crate) fn duration(&mut self, value: &Located<Value>, field: &str) -> Option<Duration> {
        let text = self.text(value, field)?;
        let trimmed = text.value.trim();
        let parsed = match trimmed.parse::<f64>() {
            // Anything over the maximum is refused below, so it is clamped rather than
            // handed to `from_secs_f64`, which panics past u64 seconds.
            Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(Duration::from_secs_f64(
                seconds.min(MAX_DURATION.as_secs_f64() * 2.0),
            )),
            Ok(_) => Err(()),
            Err(_) => humantime::parse_duration(trimmed).map_err(|_| ()),
        };
        match parsed {
            Ok(duration) if duration > MAX_DURATION => {
                self.error(
                    value.pos,
                    format!("`{field}` `{}` is longer than a day", text.value),
                    Some("write a duration like `30s`, `2m` or `1h`; at most `24h`".to_string()),
                );
                None
            }
            Ok(duration) if !duration.is_zero() => Some(duration),
            // Zero, or not a duration at all: both get the same message.
            Ok(_) | Err(()) => {
                self.error(
                    value.pos,
                    format!("`{field}` must be a duration, found `{}`", text.value),
                    Some("write a duration like `500ms`, `30s` or `2m`".to_string()),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IMAGE_REFERENCE;

    #[test]
    fn image_references_follow_the_engines_grammar() {
        for good in [
            "postgres:16",
            "redis:7-alpine",
            "stack-fixture/busybox:1",
            "localhost:5000/team/api:dev_1",
            "registry.example/a/b",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(IMAGE_REFERENCE.is_match(good), "{good}");
        }
        for bad in [
            "Postgres:16",
            "a b",
            "",
            "x::1",
            "api:",
            ":16",
            "a//b",
            "-x",
        ] {
            assert!(!IMAGE_REFERENCE.is_match(bad), "{bad}");
        }
    }
}

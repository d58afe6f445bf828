//! A service's environment: `env_file` entries, then `env` on top.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::checker::Checker;
use crate::manifest::dotenv::parse_dotenv;
use crate::manifest::located::Located;
use crate::manifest::raw::RawService;
use crate::manifest::read::{ENV_FILE_LIMIT, ReadProblem, read_regular};
use crate::manifest::value::Value;

/// Environment variable and build argument names.
pub(crate) static VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_.-]*$").expect("a valid pattern"));

/// A service's environment and which of its keys came from `env_file`.
pub(crate) struct Env {
    pub(crate) vars: BTreeMap<String, String>,
    /// Keys whose value was read from an `env_file` and not replaced by `env`.
    pub(crate) from_files: BTreeSet<String>,
}

/// `env_file` entries first, then `env` on top.
pub(crate) fn check_env(checker: &mut Checker<'_>, raw: &RawService, root: &Path) -> Option<Env> {
    let mut env = BTreeMap::new();
    let mut ok = true;
    if let Some(value) = &raw.env_file
        && let Some(files) = checker.one_or_many(value, "env_file")
    {
        for file in files {
            let read = read_regular(&root.join(&file.value), ENV_FILE_LIMIT);
            let message = match read.as_ref().map(|bytes| parse_dotenv(bytes)) {
                Ok(Ok(pairs)) => {
                    env.extend(pairs);
                    continue;
                }
                Ok(Err(problem)) => format!(
                    "env file `{}` line {}: {}",
                    file.value, problem.line, problem.message
                ),
                Err(ReadProblem::Missing) => format!("env file `{}` does not exist", file.value),
                Err(problem) => format!("cannot read env file `{}`: {problem}", file.value),
            };
            ok = false;
            checker.error(
                file.pos,
                message,
                Some("env files are regular files, relative to the directory holding the manifest, of `KEY=value` lines".to_string()),
            );
        }
    }
    let mut from_files: BTreeSet<String> = env.keys().cloned().collect();
    let Some(value) = &raw.env else {
        return ok.then_some(Env {
            vars: env,
            from_files,
        });
    };
    let entries = match &value.value {
        Value::List(items) => {
            let mut entries = Vec::new();
            for item in items {
                let text = checker.text(item, "env")?;
                let (key, val) = match text.value.split_once('=') {
                    Some((key, val)) => (
                        key.to_string(),
                        Some(Located::new(val.to_string(), text.pos)),
                    ),
                    None => (text.value.clone(), None),
                };
                entries.push((Located::new(key, text.pos), val));
            }
            entries
        }
        // `text_map` takes a mapping (or nothing) and reports anything else.
        Value::Null | Value::Text(_) | Value::Literal(_) | Value::Map(_) => {
            checker.text_map(value, "env")?
        }
    };
    for (key, val) in entries {
        if !VARIABLE.is_match(&key.value) {
            ok = false;
            checker.error(
                key.pos,
                format!("`{}` is not a valid environment variable name", key.value),
                Some("use letters, digits and `_`, not starting with a digit".to_string()),
            );
            continue;
        }
        let val = match val {
            Some(val) => Some(val.value),
            None => checker.vars().get(&key.value).cloned(),
        };
        from_files.remove(&key.value);
        if let Some(val) = val {
            env.insert(key.value, val);
        }
    }
    ok.then_some(Env {
        vars: env,
        from_files,
    })
}

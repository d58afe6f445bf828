//! Health checks init can stand behind: a compose healthcheck translated, or a health route
//! found in a service's source. (A well-known image's check is its recipe's:
//! `manifest/recipe.rs`.)

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::detect::language::Language;
use crate::init::walk::skipped;
use crate::manifest::health::Check;

/// Characters that make a compose `CMD-SHELL` test need a shell to mean the same.
const SHELL_SYNTAX: &[char] = &['$', '|', '&', ';', '<', '>', '`', '*', '(', '\'', '"', '\\'];

/// Health routes, most specific first; a string literal holding one in the source counts.
static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"["'`](/(?:api/)?(?:healthz|health|livez|readyz|ready|ping))["'`]"#)
        .expect("a valid pattern")
});
const ROUTE_PREFERENCE: &[&str] = &["healthz", "health", "livez", "readyz", "ready", "ping"];

/// How far into a service directory the route search looks, and how much it reads.
const ROUTE_DEPTH: usize = 4;
const ROUTE_FILES: usize = 400;
const ROUTE_FILE_BYTES: u64 = 256 * 1024;

/// A compose `healthcheck`: `Ok(None)` when it is disabled, `Err` with the reason when
/// stack cannot express it.
pub(crate) fn from_compose(healthcheck: &Value) -> Result<Option<Check>, String> {
    if healthcheck.get("disable").and_then(Value::as_bool) == Some(true) {
        return Ok(None);
    }
    let test = match healthcheck.get("test") {
        None => return Err("a healthcheck without `test`".to_string()),
        Some(Value::String(text)) => vec!["CMD-SHELL".to_string(), text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or("a healthcheck `test` with non-string items")?,
        Some(_) => return Err("a healthcheck `test` that is not a string or list".to_string()),
    };
    match test.split_first() {
        Some((kind, [])) if kind == "NONE" => Ok(None),
        Some((kind, argv)) if kind == "CMD" && !argv.is_empty() => {
            Ok(Some(Check::Cmd(argv.to_vec())))
        }
        Some((kind, [script])) if kind == "CMD-SHELL" => Ok(Some(shell(script))),
        _ => Err(format!("an unrecognised healthcheck test {test:?}")),
    }
}

/// A shell test as arguments: split as a shell would when that changes nothing, else run by
/// `sh -c` (variables, pipes, `||`).
fn shell(script: &str) -> Check {
    match shell_words::split(script) {
        Ok(argv) if !argv.is_empty() && !script.contains(SHELL_SYNTAX) => Check::Cmd(argv),
        _ => Check::Cmd(vec!["sh".into(), "-c".into(), script.to_string()]),
    }
}

/// A health route (`/healthz`, `/health`, …) named in the service's own source files.
pub(crate) fn route(dir: &Path, language: Option<Language>) -> Option<String> {
    let extensions: &[&str] = match language? {
        Language::Python => &["py"],
        Language::Node => &["js", "mjs", "cjs", "ts", "mts"],
        Language::Go => &["go"],
        Language::Rust => &["rs"],
        Language::Java => &["java", "kt", "properties", "yml", "yaml"],
    };
    let mut found: Vec<String> = Vec::new();
    let mut budget = ROUTE_FILES;
    scan(dir, extensions, ROUTE_DEPTH, &mut budget, &mut found);
    ROUTE_PREFERENCE.iter().find_map(|word| {
        found
            .iter()
            .filter(|route| route.ends_with(&format!("/{word}")))
            .min_by_key(|route| route.len())
            .cloned()
    })
}

fn scan(
    dir: &Path,
    extensions: &[&str],
    depth: usize,
    budget: &mut usize,
    found: &mut Vec<String>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if *budget == 0 {
            return;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().to_string();
        if kind.is_dir() {
            if depth > 0 && !skipped(&name) {
                scan(&entry.path(), extensions, depth - 1, budget, found);
            }
        } else if kind.is_file()
            && extensions
                .iter()
                .any(|ext| name.ends_with(&format!(".{ext}")))
            && entry.metadata().is_ok_and(|m| m.len() <= ROUTE_FILE_BYTES)
        {
            *budget -= 1;
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                found.extend(ROUTE.captures_iter(&text).map(|c| c[1].to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{from_compose, route};
    use crate::detect::language::Language;
    use crate::manifest::health::Check;

    fn cmd(words: &[&str]) -> Option<Check> {
        Some(Check::Cmd(words.iter().map(|w| w.to_string()).collect()))
    }

    #[test]
    fn compose_tests_become_commands() {
        let check = |v| from_compose(&v).expect("translatable");
        assert_eq!(
            check(json!({"test": ["CMD", "pg_isready", "-U", "app"]})),
            cmd(&["pg_isready", "-U", "app"])
        );
        assert_eq!(
            check(json!({"test": ["CMD-SHELL", "redis-cli ping"]})),
            cmd(&["redis-cli", "ping"])
        );
        assert_eq!(
            check(json!({"test": "curl -f http://localhost/ || exit 1"})),
            cmd(&["sh", "-c", "curl -f http://localhost/ || exit 1"])
        );
        assert_eq!(
            check(json!({"test": "pg_isready -U $$POSTGRES_USER"})),
            cmd(&["sh", "-c", "pg_isready -U $$POSTGRES_USER"])
        );
        assert_eq!(check(json!({"test": ["NONE"]})), None);
        assert_eq!(check(json!({"disable": true})), None);
        assert!(from_compose(&json!({"interval": "5s"})).is_err());
        assert!(from_compose(&json!({"test": ["WHAT", "x"]})).is_err());
    }

    #[test]
    fn health_routes_are_found_in_the_languages_sources_only() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("src/routes")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("node_modules/x")).expect("mkdir");
        std::fs::write(
            dir.path().join("node_modules/x/index.js"),
            "get('/healthz')",
        )
        .expect("write");
        std::fs::write(dir.path().join("README.md"), "GET \"/healthz\"").expect("write");
        assert_eq!(route(dir.path(), Some(Language::Node)), None);
        std::fs::write(
            dir.path().join("src/routes/ops.js"),
            "app.get('/ping', ok); app.get(\"/health\", ok)",
        )
        .expect("write");
        assert_eq!(
            route(dir.path(), Some(Language::Node)).as_deref(),
            Some("/health")
        );
        assert_eq!(route(dir.path(), Some(Language::Go)), None);
        assert_eq!(route(dir.path(), None), None);
    }
}

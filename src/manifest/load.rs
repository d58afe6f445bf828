//! Entry point: read, parse, interpolate and validate a manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::checker::Checker;
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::error::ManifestError;
use crate::manifest::located::{Located, Pos};
use crate::manifest::project::Manifest;
use crate::manifest::raw::RawManifest;
use crate::manifest::section::Section;
use crate::manifest::validate::validate;

/// The file next to the manifest whose variables `${…}` can use.
pub(crate) const DOTENV: &str = ".env";

/// serde-saphyr appends the position to its messages; diagnostics show it on their own.
static AT_POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*at line \d+,? column \d+\s*$").expect("a valid pattern"));

/// Loads and validates `file`. `env` is the process environment, which wins over the
/// project's `.env`. `shown` is how the file is named in messages.
pub(crate) fn load(
    file: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let fail = |diagnostics: Vec<Diagnostic>| ManifestError {
        file: shown.display().to_string(),
        diagnostics,
    };
    let unreadable = |message: String| Diagnostic {
        file: shown.to_path_buf(),
        line: 0,
        column: 0,
        width: 1,
        source_line: None,
        service: None,
        message,
        hint: None,
    };
    let source = std::fs::read_to_string(file)
        .map_err(|e| fail(vec![unreadable(format!("cannot read the manifest: {e}"))]))?;
    let root = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .canonicalize()
        .map_err(|e| {
            fail(vec![unreadable(format!(
                "cannot resolve its directory: {e}"
            ))])
        })?;
    let vars = variables(&root, shown, env).map_err(|d| fail(vec![*d]))?;
    let mut checker = Checker::new(shown.to_path_buf(), &source, &vars);
    let raw: Located<Section<RawManifest>> = match serde_saphyr::from_str(&source) {
        Ok(raw) => raw,
        Err(error) => {
            let pos = error.location().map_or(Pos::NOWHERE, |location| Pos {
                line: usize::try_from(location.line()).unwrap_or(0),
                column: usize::try_from(location.column()).unwrap_or(0),
                width: 1,
                bytes: None,
            });
            let message = error.without_snippet().to_string();
            let message = AT_POSITION.replace(&message, "").into_owned();
            checker.error(
                pos,
                format!("not valid YAML: {message}"),
                Some("check the indentation and quoting around this line".to_string()),
            );
            return Err(fail(checker.finish()));
        }
    };
    match validate(&mut checker, &raw, &root, shown) {
        Some(manifest) if checker.is_clean() => Ok(manifest),
        // Invalid, or valid in shape with problems reported on the way.
        Some(_) | None => Err(fail(checker.finish())),
    }
}

/// The variables interpolation reads: the project's `.env`, overridden by the environment.
fn variables(
    root: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Box<Diagnostic>> {
    let mut vars = BTreeMap::new();
    let path = root.join(DOTENV);
    if path.is_file() {
        let pairs = dotenvy::from_path_iter(&path)
            .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            .map_err(|error| {
                let (line, message) = match &error {
                    dotenvy::Error::LineParse(_, index) => {
                        (0, format!("cannot parse {DOTENV} near character {index}"))
                    }
                    other => (0, format!("cannot read {DOTENV}: {other}")),
                };
                Box::new(Diagnostic {
                    file: shown
                        .parent()
                        .map_or_else(|| PathBuf::from(DOTENV), |p| p.join(DOTENV)),
                    line,
                    column: 0,
                    width: 1,
                    source_line: None,
                    service: None,
                    message,
                    hint: Some(
                        "write one `KEY=value` per line; quote values with spaces".to_string(),
                    ),
                })
            })?;
        vars.extend(pairs);
    }
    vars.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(vars)
}

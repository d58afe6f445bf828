//! Entry point: read, parse, interpolate and validate a manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::manifest::checker::{Checker, SourceFile};
use crate::manifest::diagnostic::{Diagnostic, line_column};
use crate::manifest::dotenv::parse_dotenv;
use crate::manifest::error::ManifestError;
use crate::manifest::located::Located;
use crate::manifest::project::Manifest;
use crate::manifest::raw::RawManifest;
use crate::manifest::read::{ENV_FILE_LIMIT, MANIFEST_LIMIT, ReadProblem, read_regular};
use crate::manifest::section::Section;
use crate::manifest::validate::validate;
use crate::manifest::yaml;

/// The file next to the manifest whose variables `${…}` can use.
pub(crate) const DOTENV: &str = ".env";

/// Loads and validates `file`. `env` is the process environment, which wins over the
/// project's `.env`. `shown` is how the file is named in messages.
pub(crate) fn load(
    file: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let fail = |diagnostics, omitted| ManifestError::new(shown, diagnostics, omitted);
    let whole = |message: String, hint: Option<String>| {
        fail(
            vec![Diagnostic::whole_file(shown.to_path_buf(), message, hint)],
            0,
        )
    };
    let bytes = read_regular(file, MANIFEST_LIMIT).map_err(|problem| {
        let hint = match problem {
            ReadProblem::TooLarge(_) | ReadProblem::NotAFile(_) => {
                Some("a manifest is a YAML file of a few kilobytes".to_string())
            }
            ReadProblem::Missing | ReadProblem::Io(_) => None,
        };
        whole(format!("cannot read the manifest: {problem}"), hint)
    })?;
    let root = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .canonicalize()
        .map_err(|e| whole(format!("cannot resolve its directory: {e}"), None))?;
    load_bytes(bytes, &root, shown, env)
}

/// Validates a manifest's `bytes`, read from a file in `root` (canonical).
pub(crate) fn load_bytes(
    bytes: Vec<u8>,
    root: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let fail = |diagnostics, omitted| ManifestError::new(shown, diagnostics, omitted);
    let text = utf8(bytes, shown).map_err(|d| fail(vec![*d], 0))?;
    let vars = variables(root, shown, env).map_err(|d| fail(vec![*d], 0))?;
    let source = SourceFile {
        shown: shown.to_path_buf(),
        text: Arc::from(text),
    };
    let mut checker = Checker::new(vec![source.clone()], &vars);
    let raw: Located<Section<RawManifest>> = match yaml::parse(0, &source.text) {
        Ok(raw) => raw,
        Err(error) => {
            let (pos, message, hint) = yaml::describe(0, &error);
            checker.error(pos, message, hint);
            let (diagnostics, omitted) = checker.finish();
            return Err(fail(diagnostics, omitted));
        }
    };
    let manifest = validate(&mut checker, &raw, root, shown);
    match manifest {
        Some(manifest) if checker.is_clean() => Ok(manifest),
        // Invalid, or valid in shape with problems reported on the way.
        Some(_) | None => {
            let (diagnostics, omitted) = checker.finish();
            Err(fail(diagnostics, omitted))
        }
    }
}

/// The manifest's text, or where it stops being UTF-8.
fn utf8(bytes: Vec<u8>, shown: &Path) -> Result<String, Box<Diagnostic>> {
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let (line, column) = line_column(bytes, offset);
        Box::new(Diagnostic {
            line,
            column,
            ..Diagnostic::whole_file(
                shown.to_path_buf(),
                format!(
                    "the manifest is not UTF-8: byte {offset} (0x{:02x}) is invalid",
                    bytes[offset]
                ),
                Some("save the file as UTF-8".to_string()),
            )
        })
    })
}

/// The variables interpolation reads: the project's `.env`, overridden by the environment.
fn variables(
    root: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Box<Diagnostic>> {
    let mut vars = BTreeMap::new();
    let path = root.join(DOTENV);
    let dotenv_shown = shown
        .parent()
        .map_or_else(|| PathBuf::from(DOTENV), |p| p.join(DOTENV));
    let hint = || Some("write one `KEY=value` per line; quote values with spaces".to_string());
    match read_regular(&path, ENV_FILE_LIMIT) {
        Err(ReadProblem::Missing) => {}
        Err(problem) => {
            return Err(Box::new(Diagnostic::whole_file(
                dotenv_shown,
                format!("cannot read {DOTENV}: {problem}"),
                None,
            )));
        }
        Ok(bytes) => {
            let pairs = parse_dotenv(&bytes).map_err(|problem| {
                Box::new(Diagnostic {
                    line: problem.line,
                    column: problem.column,
                    source: String::from_utf8(bytes.clone()).ok().map(Arc::from),
                    ..Diagnostic::whole_file(
                        dotenv_shown.clone(),
                        format!("{DOTENV} line {}: {}", problem.line, problem.message),
                        hint(),
                    )
                })
            })?;
            vars.extend(pairs);
        }
    }
    vars.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(vars)
}

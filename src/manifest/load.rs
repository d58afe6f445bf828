//! Entry point: read, parse, interpolate and validate a manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::manifest::checker::{Checker, SourceFile};
use crate::manifest::diagnostic::{Diagnostic, line_column};
use crate::manifest::dotenv::parse_dotenv;
use crate::manifest::error::ManifestError;
use crate::manifest::located::Located;
use crate::manifest::merge::merge;
use crate::manifest::project::Manifest;
use crate::manifest::raw::RawManifest;
use crate::manifest::read::{ENV_FILE_LIMIT, MANIFEST_LIMIT, ReadProblem, read_regular};
use crate::manifest::section::Section;
use crate::manifest::validate::{Options, validate};
use crate::manifest::yaml;

/// The file next to the manifest whose variables `${…}` can use.
pub(crate) const DOTENV: &str = ".env";

/// What to load: the files in merge order, and what the command line says over them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Request {
    /// Each file and how messages name it; the first is the project's main file, whose
    /// directory is the project's root.
    pub(crate) files: Vec<(PathBuf, PathBuf)>,
    /// `--env-file`s (and how they are named), read instead of the root's `.env`.
    pub(crate) env_files: Vec<(PathBuf, PathBuf)>,
    /// `-p`: wins over the manifest's `name`.
    pub(crate) project_name: Option<String>,
    /// The active profiles.
    pub(crate) profiles: Vec<String>,
}

/// Loads and validates the one file `file`, named `shown` in messages. `env` is the process
/// environment, which wins over the project's `.env`.
pub(crate) fn load(
    file: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let request = Request {
        files: vec![(file.to_path_buf(), shown.to_path_buf())],
        ..Request::default()
    };
    load_request(&request, env)
}

/// Loads the files of `request`, merges them in order and validates the result.
pub(crate) fn load_request(
    request: &Request,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let (first, first_shown) = request
        .files
        .first()
        .expect("a request names at least one file");
    let fail = |diagnostics, omitted| ManifestError::new(first_shown, diagnostics, omitted);
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for (file, shown) in &request.files {
        match read_manifest(file, shown) {
            Ok(text) => sources.push(SourceFile {
                shown: shown.clone(),
                text: Arc::from(text),
            }),
            Err(diagnostic) => unreadable.push(*diagnostic),
        }
    }
    if !unreadable.is_empty() {
        return Err(fail(unreadable, 0));
    }
    let root = first
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .canonicalize()
        .map_err(|e| {
            let message = format!("cannot resolve its directory: {e}");
            fail(
                vec![Diagnostic::whole_file(first_shown.clone(), message, None)],
                0,
            )
        })?;
    let vars =
        variables(&root, first_shown, &request.env_files, env).map_err(|d| fail(vec![*d], 0))?;
    let options = Options {
        project_name: request.project_name.as_deref(),
        profiles: &request.profiles,
    };
    load_sources(sources, &root, &vars, &options)
        .map_err(|(diagnostics, omitted)| fail(diagnostics, omitted))
}

/// Validates a manifest's `bytes`, read from a file in `root` (canonical).
#[cfg(test)]
pub(crate) fn load_bytes(
    bytes: Vec<u8>,
    root: &Path,
    shown: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Manifest, ManifestError> {
    let fail = |diagnostics, omitted| ManifestError::new(shown, diagnostics, omitted);
    let text = utf8(bytes, shown).map_err(|d| fail(vec![*d], 0))?;
    let vars = variables(root, shown, &[], env).map_err(|d| fail(vec![*d], 0))?;
    let source = SourceFile {
        shown: shown.to_path_buf(),
        text: Arc::from(text),
    };
    let options = Options {
        project_name: None,
        profiles: &[],
    };
    load_sources(vec![source], root, &vars, &options)
        .map_err(|(diagnostics, omitted)| fail(diagnostics, omitted))
}

/// Parses every file, lays each over the ones before it and validates the result.
fn load_sources(
    sources: Vec<SourceFile>,
    root: &Path,
    vars: &BTreeMap<String, String>,
    options: &Options<'_>,
) -> Result<Manifest, (Vec<Diagnostic>, usize)> {
    let first_shown = sources.first().map(|s| s.shown.clone()).unwrap_or_default();
    let mut checker = Checker::new(sources.clone(), vars);
    let mut merged: Option<Located<Section<RawManifest>>> = None;
    for (i, source) in sources.iter().enumerate() {
        match yaml::parse::<Located<Section<RawManifest>>>(i, &source.text) {
            Ok(raw) => match merged.as_mut() {
                Some(base) => merge(base, raw),
                None => merged = Some(raw),
            },
            Err(error) => {
                let (pos, message, hint) = yaml::describe(i, &error);
                checker.error(pos, message, hint);
            }
        }
    }
    let manifest = match &merged {
        Some(raw) if checker.is_clean() => validate(&mut checker, raw, root, &first_shown, options),
        Some(_) | None => None,
    };
    match manifest {
        Some(manifest) if checker.is_clean() => Ok(manifest),
        // Invalid, or valid in shape with problems reported on the way.
        Some(_) | None => Err(checker.finish()),
    }
}

/// A manifest file's text: a regular file of bounded size, in UTF-8.
fn read_manifest(file: &Path, shown: &Path) -> Result<String, Box<Diagnostic>> {
    let bytes = read_regular(file, MANIFEST_LIMIT).map_err(|problem| {
        let hint = match problem {
            ReadProblem::TooLarge(_) | ReadProblem::NotAFile(_) => {
                Some("a manifest is a YAML file of a few kilobytes".to_string())
            }
            ReadProblem::Missing | ReadProblem::Io(_) => None,
        };
        Box::new(Diagnostic::whole_file(
            shown.to_path_buf(),
            format!("cannot read the manifest: {problem}"),
            hint,
        ))
    })?;
    utf8(bytes, shown)
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

/// The variables interpolation reads: the `--env-file`s, or else the project's `.env`,
/// overridden by the environment.
fn variables(
    root: &Path,
    shown: &Path,
    env_files: &[(PathBuf, PathBuf)],
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Box<Diagnostic>> {
    let mut vars = BTreeMap::new();
    let default = [(
        root.join(DOTENV),
        shown
            .parent()
            .map_or_else(|| PathBuf::from(DOTENV), |p| p.join(DOTENV)),
    )];
    let explicit = !env_files.is_empty();
    let files = if explicit { env_files } else { &default[..] };
    for (path, file_shown) in files {
        let name = file_shown.display();
        let bytes = match read_regular(path, ENV_FILE_LIMIT) {
            // The default `.env` is optional; a file named on the command line is not.
            Err(ReadProblem::Missing) if !explicit => continue,
            Err(problem) => {
                return Err(Box::new(Diagnostic::whole_file(
                    file_shown.clone(),
                    format!("cannot read {name}: {problem}"),
                    None,
                )));
            }
            Ok(bytes) => bytes,
        };
        let pairs = parse_dotenv(&bytes).map_err(|problem| {
            Box::new(Diagnostic {
                line: problem.line,
                column: problem.column,
                source: String::from_utf8(bytes.clone()).ok().map(Arc::from),
                ..Diagnostic::whole_file(
                    file_shown.clone(),
                    format!("{name} line {}: {}", problem.line, problem.message),
                    Some("write one `KEY=value` per line; quote values with spaces".to_string()),
                )
            })
        })?;
        vars.extend(pairs);
    }
    vars.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(vars)
}

//! What every built service of a manifest is built from, decided for all of them at once:
//! each detection problem becomes a manifest diagnostic at its service, so `config` and
//! `doctor` reject what `plan` and `up` would, and all problems show in one run. What
//! detection learns about a service that its manifest leaves open (an app that answers
//! HTTP gets an HTTP check instead of a TCP connect) is applied to the manifest here.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::build::context::DockerfileSource;
use crate::build::dockerfile::dockerfile_source;
use crate::detect::error::DetectError;
use crate::error::Error;
use crate::manifest::diagnostic::Diagnostic;
use crate::manifest::error::ManifestError;
use crate::manifest::health::{Check, Health};
use crate::manifest::project::Manifest;
use crate::manifest::service::Service;

/// Each built service's Dockerfile, generated or its own, and what detection warns about.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub(crate) by_service: BTreeMap<String, DockerfileSource>,
    /// One line each: a service that binds 127.0.0.1.
    pub(crate) warnings: Vec<String>,
}

/// Detects every built service of `manifest` (trusting `ca_pem` in generated builds) and
/// applies what it found to the manifest; every service that cannot be built is reported.
pub(crate) fn resolve(manifest: &mut Manifest, ca_pem: &[u8]) -> Result<Sources, Error> {
    let mut sources = Sources::default();
    let mut problems = Vec::new();
    for service in manifest.services.values_mut() {
        if service.build_dir().is_none() {
            continue;
        }
        match dockerfile_source(service, ca_pem) {
            Ok(source) => {
                if let DockerfileSource::Generated(rendered) = &source {
                    sources
                        .warnings
                        .extend(rendered.detection.warnings.iter().cloned());
                    if rendered.detection.http {
                        answer_http(service);
                    }
                }
                sources.by_service.insert(service.name.clone(), source);
            }
            Err(Error::Detect(error)) => problems.push(error),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() {
        return Ok(sources);
    }
    let text = manifest_text(manifest);
    let diagnostics = problems
        .iter()
        .map(|problem| diagnostic(manifest, text.as_deref(), problem))
        .collect();
    Err(Error::Manifest(ManifestError::new(
        &manifest.file,
        diagnostics,
        0,
    )))
}

/// A service that answers HTTP and has stack's implied TCP check gets an HTTP request
/// instead: any answer proves the app itself runs, where a TCP connect can pass on a
/// server's socket while its worker crashes.
fn answer_http(service: &mut Service) {
    if !service.health_implied {
        return;
    }
    if let Some(health) = &mut service.health
        && health.check == Check::Tcp
    {
        *health = Health {
            check: Check::HttpAny {
                path: "/".to_string(),
            },
            ..health.clone()
        };
    }
}

/// The manifest's text, to show a problem's line; none when it cannot be read again.
fn manifest_text(manifest: &Manifest) -> Option<String> {
    let name = manifest.file.file_name()?;
    std::fs::read_to_string(manifest.root.join(name)).ok()
}

/// A detection problem as a diagnostic at its service's key.
fn diagnostic(manifest: &Manifest, text: Option<&str>, problem: &DetectError) -> Diagnostic {
    let service = manifest.services.get(problem.service());
    let line = service.map_or(0, |s| s.line);
    let source_line = text.and_then(|t| t.lines().nth(line.checked_sub(1)?));
    let name = problem.service();
    let column = source_line
        .and_then(|l| l.find(name))
        .map_or(1, |byte| byte + 1);
    Diagnostic {
        file: manifest.file.clone(),
        line,
        column,
        width: name.chars().count(),
        source: text.map(Arc::from),
        service: Some(name.to_string()),
        message: problem.message(),
        hint: problem.hint(),
        repeats: 0,
    }
}

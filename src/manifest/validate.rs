//! Validation of the whole manifest: services, the references between them, the gateway.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::check::service::{Checked, check_service};
use crate::manifest::checker::{Checker, Text};
use crate::manifest::gateway::{self, check_gateway};
use crate::manifest::located::{Located, Pos};
use crate::manifest::project::Manifest;
use crate::manifest::raw::RawManifest;
use crate::manifest::schema::{PROJECT_NAME_PATTERN, SERVICE_NAME_PATTERN};
use crate::manifest::section::Section;
use crate::manifest::service::Service;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::table::Table;

static SERVICE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SERVICE_NAME_PATTERN).expect("a valid pattern"));
static PROJECT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PROJECT_NAME_PATTERN).expect("a valid pattern"));

/// Turns the raw model into a `Manifest`, or reports through `checker` why it cannot.
pub(crate) fn validate(
    checker: &mut Checker<'_>,
    raw: &Located<Section<RawManifest>>,
    root: &Path,
    file: &Path,
) -> Option<Manifest> {
    let raw = checker.section(raw, "the manifest", "services: { api: { path: ./api } }")?;
    let name = check_name(checker, raw, root);
    let mut checked: Vec<(Located<String>, Checked)> = Vec::new();
    let mut all_names: Vec<String> = Vec::new();
    match raw.services.as_ref().map(|s| (&s.value, s.pos)) {
        None => checker.error(
            Pos::NOWHERE,
            "no `services`",
            Some("add `services:` with at least one service, e.g. `api: { path: ./api, port: 8000 }`".to_string()),
        ),
        Some((Table::Other(shape), pos)) => checker.error(
            pos,
            format!("`services` must be a mapping of names to services, found {}", shape.describe()),
            Some("write it like `services: { api: { path: ./api } }`".to_string()),
        ),
        Some((Table::Entries(entries), pos)) => {
            if entries.is_empty() {
                checker.error(pos, "`services` is empty", Some("add at least one service".to_string()));
            }
            for (key, section) in entries {
                let service_name = checker.key_text(key);
                all_names.push(service_name.clone());
                checker.service = Some(service_name.clone());
                if !SERVICE_NAME.is_match(&service_name) {
                    checker.error(
                        key.pos,
                        format!("`{service_name}` is not a valid service name"),
                        Some(format!(
                            "services reach each other by name, so it must be a DNS label: lowercase letters, digits and `-`, e.g. `{}`",
                            suggested_label(&service_name)
                        )),
                    );
                } else if service_name == gateway::SERVICE && raw.gateway.is_some() {
                    checker.error(
                        key.pos,
                        "the name `gateway` is taken by the generated gateway",
                        Some("rename the service".to_string()),
                    );
                }
                let example = format!("{service_name}: {{ path: ./{service_name}, port: 8000 }}");
                let Some(fields) = checker.section(section, &service_name, &example) else {
                    continue;
                };
                let service = check_service(checker, &service_name, key.pos, fields, root);
                checked.push((Located::new(service_name, key.pos), service));
            }
            checker.service = None;
        }
    }
    check_references(checker, &checked, &all_names);
    check_cycles(checker, &checked);
    check_host_ports(checker, &checked);
    let gateway = match &raw.gateway {
        Some(section) => checker
            .section(
                section,
                "gateway",
                "gateway: { port: 8080, routes: { /: web } }",
            )
            .and_then(|fields| check_gateway(checker, fields, section.pos, &checked, &all_names))
            .map(Some),
        None => Some(None),
    };
    let ca_certificates = match &raw.ca_certificates {
        Some(value) => check_ca_certificates(checker, value, root),
        None => Some(Vec::new()),
    };
    let registry = match &raw.registry {
        Some(value) => check_registry(checker, value).map(Some),
        None => Some(None),
    };
    if !checker.is_clean() {
        return None;
    }
    let gateway = gateway?;
    let mut services: BTreeMap<String, Service> = checked
        .into_iter()
        .map(|(name, checked)| Some((name.value, checked.service?)))
        .collect::<Option<_>>()?;
    if let Some(gateway) = &gateway {
        let file_name = file
            .file_name()
            .unwrap_or(file.as_os_str())
            .to_string_lossy();
        services.insert(gateway::SERVICE.to_string(), gateway.service(&file_name));
    }
    Some(Manifest {
        name: name?,
        root: root.to_path_buf(),
        file: file.to_path_buf(),
        services,
        gateway,
        ca_certificates: ca_certificates?,
        registry: registry?,
    })
}

/// The project name as written, or the directory's name made valid.
fn check_name(checker: &mut Checker<'_>, raw: &RawManifest, root: &Path) -> Option<String> {
    let Some(value) = &raw.name else {
        let dir = root.file_name().map(|n| n.to_string_lossy().to_lowercase());
        let cleaned: String = dir
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let cleaned = cleaned.trim_start_matches(['-', '_']).to_string();
        return Some(if cleaned.is_empty() {
            "stack".to_string()
        } else {
            cleaned
        });
    };
    let text = checker.text(value, "name")?;
    if !PROJECT_NAME.is_match(&text.value) {
        checker.error(
            text.pos,
            format!("`{}` is not a valid project name", text.value),
            Some(format!(
                "use lowercase letters, digits, `-` and `_`, starting with a letter or digit, e.g. `{}`",
                suggested_label(&text.value)
            )),
        );
        return None;
    }
    Some(text.value)
}

/// `My_API.v2` → `my-api-v2`: lowercase, every run of other characters one `-`, at most 63
/// characters, no `-` at either end. `None` when nothing usable is left.
pub(crate) fn dns_label(text: &str) -> Option<String> {
    let mut label = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            label.push(c.to_ascii_lowercase());
        } else if !label.is_empty() && !label.ends_with('-') {
            label.push('-');
        }
    }
    label.truncate(63);
    let label = label.trim_end_matches('-').to_string();
    SERVICE_NAME.is_match(&label).then_some(label)
}

/// Whether `name` may name a service: a DNS label.
pub(crate) fn is_service_name(name: &str) -> bool {
    SERVICE_NAME.is_match(name)
}

/// A valid name to suggest for one that is not a DNS label.
pub(crate) fn suggested_label(name: &str) -> String {
    dns_label(name).unwrap_or_else(|| "api".to_string())
}

fn check_references(
    checker: &mut Checker<'_>,
    checked: &[(Located<String>, Checked)],
    all_names: &[String],
) {
    for (name, service) in checked {
        checker.service = Some(name.value.clone());
        for dependency in &service.depends_on {
            if dependency.value == name.value {
                checker.error(
                    dependency.pos,
                    "depends on itself",
                    Some("remove it from `depends_on`".to_string()),
                );
            } else if !all_names.contains(&dependency.value) {
                let others = all_names
                    .iter()
                    .map(String::as_str)
                    .filter(|n| *n != name.value);
                checker.error(
                    dependency.pos,
                    format!("depends on `{}`, which is not a service", dependency.value),
                    Some(did_you_mean(&dependency.value, others, "services are")),
                );
            }
        }
    }
    checker.service = None;
}

/// Reports every dependency cycle once, with its path, at the edge that closes it.
fn check_cycles(checker: &mut Checker<'_>, checked: &[(Located<String>, Checked)]) {
    let edges: BTreeMap<&str, &[Text]> = checked
        .iter()
        .map(|(name, c)| (name.value.as_str(), c.depends_on.as_slice()))
        .collect();
    let mut state: BTreeMap<&str, Visit> = BTreeMap::new();
    let mut seen_cycles: Vec<Vec<String>> = Vec::new();
    for (name, _) in checked {
        let mut path = Vec::new();
        walk(
            checker,
            &edges,
            name.value.as_str(),
            &mut state,
            &mut path,
            &mut seen_cycles,
        );
    }
    checker.service = None;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
}

fn walk<'n>(
    checker: &mut Checker<'_>,
    edges: &BTreeMap<&'n str, &'n [Text]>,
    node: &'n str,
    state: &mut BTreeMap<&'n str, Visit>,
    path: &mut Vec<&'n str>,
    seen: &mut Vec<Vec<String>>,
) {
    match state.get(node) {
        Some(Visit::Done) => return,
        Some(Visit::InProgress) => return,
        None => {}
    }
    state.insert(node, Visit::InProgress);
    path.push(node);
    for dependency in edges.get(node).copied().unwrap_or_default() {
        let next = dependency.value.as_str();
        if next == node {
            // A service depending on itself is reported on its own, more plainly.
            continue;
        }
        if state.get(next) == Some(&Visit::InProgress) {
            let start = path.iter().position(|n| *n == next).unwrap_or(0);
            // Told from the service whose `depends_on` closes the cycle, where the caret is.
            let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
            let mut key = cycle.clone();
            key.sort();
            if !seen.contains(&key) {
                seen.push(key);
                cycle.insert(0, node.to_string());
                checker.service = Some(node.to_string());
                checker.error(
                    dependency.pos,
                    format!("dependency cycle: {}", cycle.join(" -> ")),
                    Some("services in a cycle can never start; remove one of these `depends_on` entries".to_string()),
                );
            }
        } else if edges.contains_key(next) {
            walk(checker, edges, next, state, path, seen);
        }
    }
    path.pop();
    state.insert(node, Visit::Done);
}

fn check_host_ports(checker: &mut Checker<'_>, checked: &[(Located<String>, Checked)]) {
    let mut taken: BTreeMap<u16, &str> = BTreeMap::new();
    for (name, service) in checked {
        let Some(port) = &service.host_port else {
            continue;
        };
        if let Some(first) = taken.get(&port.value) {
            checker.service = Some(name.value.clone());
            checker.error(
                port.pos,
                format!("host port {} is also used by service `{first}`", port.value),
                Some(
                    "give each service its own `host_port`, or leave it out to get a free one"
                        .to_string(),
                ),
            );
        } else {
            taken.insert(port.value, &name.value);
        }
    }
    checker.service = None;
}

/// `registry:`: a registry host with an optional port and path, as image names spell it.
fn check_registry(
    checker: &mut Checker<'_>,
    value: &Located<crate::manifest::value::Value>,
) -> Option<String> {
    let text = checker.text(value, "registry")?;
    let registry = text.value.trim_end_matches('/').to_string();
    if !is_registry(&registry) {
        checker.error(
            text.pos,
            format!("`{}` is not a registry", text.value),
            Some(
                "write `host[:port]/prefix`, e.g. `127.0.0.1:5000/team`; the prefix is lowercase"
                    .to_string(),
            ),
        );
        return None;
    }
    Some(registry)
}

/// Whether `text` is `host[:port][/path…]` as Docker image references spell a registry:
/// a host with a dot or a port, or `localhost`, then lowercase path components. (Without
/// that, Docker would read the host as the first path component of a Docker Hub name.)
pub(crate) fn is_registry(text: &str) -> bool {
    static REGISTRY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$",
        )
        .expect("a valid pattern")
    });
    let host = text.split('/').next().unwrap_or_default();
    REGISTRY.is_match(text) && (host.contains(['.', ':']) || host == "localhost")
}

fn check_ca_certificates(
    checker: &mut Checker<'_>,
    value: &Located<crate::manifest::value::Value>,
    root: &Path,
) -> Option<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let mut ok = true;
    for entry in checker.one_or_many(value, "ca_certificates")? {
        let path = root.join(&entry.value);
        if path.is_file() {
            paths.push(path);
        } else {
            ok = false;
            checker.error(
                entry.pos,
                format!("CA certificate `{}` does not exist", entry.value),
                Some("paths are relative to the directory holding the manifest".to_string()),
            );
        }
    }
    ok.then_some(paths)
}

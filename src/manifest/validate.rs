//! Validation of the whole manifest: services, the references between them, the gateway.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::check::service::{Checked, check_service};
use crate::manifest::checker::{Checker, Text};
use crate::manifest::error::thousands;
use crate::manifest::gateway::{self, check_gateway};
use crate::manifest::located::{Located, Pos};
use crate::manifest::project::Manifest;
use crate::manifest::raw::RawManifest;
use crate::manifest::schema::{PROJECT_NAME_PATTERN, SERVICE_NAME_PATTERN};
use crate::manifest::section::Section;
use crate::manifest::service::Service;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::table::Table;
use crate::manifest::value::Shape;

static SERVICE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SERVICE_NAME_PATTERN).expect("a valid pattern"));
static PROJECT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PROJECT_NAME_PATTERN).expect("a valid pattern"));

/// What the command line says over the manifest.
pub(crate) struct Options<'a> {
    /// `-p`: wins over `name:`.
    pub(crate) project_name: Option<&'a str>,
    /// The active profiles.
    pub(crate) profiles: &'a [String],
}

/// Turns the raw model into a `Manifest`, or reports through `checker` why it cannot.
pub(crate) fn validate(
    checker: &mut Checker<'_>,
    raw: &Located<Section<RawManifest>>,
    root: &Path,
    file: &Path,
    options: &Options<'_>,
) -> Option<Manifest> {
    if let Section::Other(Shape::Nothing) = raw.value {
        checker.error(
            raw.pos,
            "the manifest is empty",
            Some("add `services:` with at least one service, e.g. `api: { path: ./api, port: 8000 }`".to_string()),
        );
        return None;
    }
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
                let mut service = check_service(checker, &service_name, key.pos, fields, root);
                service.active = service.profiles.is_empty()
                    || service.profiles.iter().any(|p| options.profiles.contains(p));
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
        .filter(|(_, checked)| checked.active)
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
        name: options.project_name.map(str::to_string).or(name)?,
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
    let known: HashSet<&str> = all_names.iter().map(String::as_str).collect();
    let inactive: HashMap<&str, &[String]> = checked
        .iter()
        .filter(|(_, c)| !c.active)
        .map(|(name, c)| (name.value.as_str(), c.profiles.as_slice()))
        .collect();
    for (name, service) in checked {
        checker.service = Some(name.value.clone());
        if service.active
            && let Some(dependency) = service
                .depends_on
                .iter()
                .find(|d| inactive.contains_key(d.value.as_str()))
        {
            let profiles = inactive[dependency.value.as_str()];
            checker.error(
                dependency.pos,
                format!(
                    "depends on `{}`, which runs only with profile {}, not active",
                    dependency.value,
                    profile_list(profiles)
                ),
                Some(format!(
                    "activate it with `--profile {}` (or STACK_PROFILES), or give `{}` the same `profiles:`",
                    profiles[0], name.value
                )),
            );
        }
        for dependency in &service.depends_on {
            if dependency.value == name.value {
                checker.error(
                    dependency.pos,
                    "depends on itself",
                    Some("remove it from `depends_on`".to_string()),
                );
            } else if !known.contains(dependency.value.as_str()) {
                let others = all_names
                    .iter()
                    .map(String::as_str)
                    .filter(|n| *n != name.value);
                checker.error_with(
                    dependency.pos,
                    format!("depends on `{}`, which is not a service", dependency.value),
                    || Some(did_you_mean(&dependency.value, others, "services are")),
                );
            }
        }
    }
    checker.service = None;
}

/// Reports every dependency cycle once, with its path, at the edge that closes it. The walk
/// keeps its own stack: a chain of 40,000 services must not overflow the thread's.
fn check_cycles(checker: &mut Checker<'_>, checked: &[(Located<String>, Checked)]) {
    let edges: HashMap<&str, &[Text]> = checked
        .iter()
        .map(|(name, c)| (name.value.as_str(), c.depends_on.as_slice()))
        .collect();
    let mut state: HashMap<&str, Visit> = HashMap::new();
    let mut seen: HashSet<Vec<&str>> = HashSet::new();
    for (name, _) in checked {
        let root = name.value.as_str();
        if state.contains_key(root) {
            continue;
        }
        state.insert(root, Visit::InProgress);
        // Each frame: a service on the current path and the next of its edges to follow.
        let mut path: Vec<(&str, usize)> = vec![(root, 0)];
        while let Some((node, next_edge)) = path.last_mut() {
            let node: &str = node;
            let dependencies = edges.get(node).copied().unwrap_or_default();
            let Some(dependency) = dependencies.get(*next_edge) else {
                state.insert(node, Visit::Done);
                path.pop();
                continue;
            };
            *next_edge += 1;
            let next = dependency.value.as_str();
            // A service depending on itself is reported on its own, more plainly.
            if next == node || !edges.contains_key(next) {
                continue;
            }
            match state.get(next) {
                Some(Visit::Done) => {}
                Some(Visit::InProgress) => {
                    let start = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                    let mut key: Vec<&str> = path[start..].iter().map(|(n, _)| *n).collect();
                    key.sort_unstable();
                    if seen.insert(key) {
                        // Told from the service whose `depends_on` closes the cycle, where
                        // the caret is.
                        let mut cycle: Vec<&str> = vec![node];
                        cycle.extend(path[start..].iter().map(|(n, _)| *n));
                        checker.service = Some(node.to_string());
                        checker.error(
                            dependency.pos,
                            format!("dependency cycle: {}", cycle_path(&cycle)),
                            Some("services in a cycle can never start; remove one of these `depends_on` entries".to_string()),
                        );
                    }
                }
                None => {
                    state.insert(next, Visit::InProgress);
                    path.push((next, 0));
                }
            }
        }
    }
    checker.service = None;
}

/// `` `debug` `` or `` `debug` or `tools` ``.
pub(crate) fn profile_list(profiles: &[String]) -> String {
    profiles
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether `name` may name a project (`name:`, `-p`).
pub(crate) fn is_project_name(name: &str) -> bool {
    PROJECT_NAME.is_match(name)
}

/// `a -> b -> a`; a cycle through thousands of services shows its ends and a count.
fn cycle_path(cycle: &[&str]) -> String {
    const ENDS: usize = 5;
    if cycle.len() <= 2 * ENDS + 1 {
        return cycle.join(" -> ");
    }
    format!(
        "{} -> … {} more … -> {}",
        cycle[..ENDS].join(" -> "),
        thousands(cycle.len() - 2 * ENDS),
        cycle[cycle.len() - ENDS..].join(" -> ")
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done,
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

//! One service entry: raw fields in, a typed `Service` out, problems reported. Each field's
//! checks live in the file named after it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::manifest::check::build::check_build;
use crate::manifest::check::command::check_command;
use crate::manifest::check::env::check_env;
use crate::manifest::check::health::{Target, check_health, recipe_of, recipe_port};
use crate::manifest::check::language::check_language;
use crate::manifest::check::source::check_source;
use crate::manifest::check::volumes::check_volumes;
use crate::manifest::check::watch::check_watch;
use crate::manifest::checker::{Checker, Text};
use crate::manifest::located::{Located, Pos};
use crate::manifest::raw::RawService;
use crate::manifest::schema::PROFILE_NAME_PATTERN;
use crate::manifest::section::Section;
use crate::manifest::service::{BuildOptions, Service, Source};
use crate::manifest::value::{Shape, Value};

/// A service after its own fields are checked; `depends_on` still refers to names that the
/// manifest-level checks resolve. The references are kept even when another field of the
/// service is wrong, so unknown names and cycles are reported in the same run.
pub(crate) struct Checked {
    /// `None` when one of the service's own fields is invalid (already reported).
    pub(crate) service: Option<Service>,
    /// Each dependency with where it was written.
    pub(crate) depends_on: Vec<Text>,
    pub(crate) host_port: Option<Located<u16>>,
    /// The profiles the service belongs to; none: it always runs.
    pub(crate) profiles: Vec<String>,
    /// Whether it runs in this invocation: it has no profiles, or one of them is active.
    /// Set by the manifest-level checks, which know the active profiles.
    pub(crate) active: bool,
}

/// Checks one service. `root` is the project directory (canonical).
pub(crate) fn check_service(
    checker: &mut Checker<'_>,
    name: &str,
    key_pos: Pos,
    raw: &RawService,
    root: &Path,
) -> Checked {
    let source = check_source(checker, name, key_pos, raw, root);
    let task = match &raw.task {
        Some(value) => checker.flag(value, "task"),
        None => Some(false),
    };
    // A well-known image is checked in its protocol, through its usual port unless one is
    // written.
    let image = match &source {
        Some(Source::Image(image)) => Some(image.as_str()),
        Some(Source::Build { .. }) | None => None,
    };
    let recipe = recipe_of(image, task.unwrap_or(false));
    let port = match &raw.port {
        Some(value) => checker.port(value, "port"),
        None => recipe.and_then(|recipe| recipe_port(raw, recipe)),
    };
    let host_port = raw
        .host_port
        .as_ref()
        .and_then(|v| Some(Located::new(checker.port(v, "host_port")?, v.pos)));
    if let (Some(host), None) = (&host_port, raw.port.as_ref()) {
        checker.error(
            host.pos,
            "`host_port` needs `port`",
            Some("set `port:` to the port the app listens on inside the container".to_string()),
        );
    }
    let host_ip = match &raw.host_ip {
        Some(value) => check_host_ip(checker, value),
        None => Some("127.0.0.1".to_string()),
    };
    let env = check_env(checker, raw, root);
    let depends_on = match &raw.depends_on {
        // Compose's long form, `depends_on: { db: { condition: service_healthy } }`.
        Some(Located {
            value: Value::Map(entries),
            pos,
        }) => {
            let names: Vec<String> = entries
                .iter()
                .filter_map(|(key, _)| checker.scalar_text(key))
                .collect();
            checker.error(
                *pos,
                "`depends_on` must be a list of service names, found a mapping",
                Some(format!(
                    "write `depends_on: [{}]`: stack always waits until they are healthy (tasks: exited 0)",
                    names.join(", ")
                )),
            );
            None
        }
        Some(value) => checker.texts(value, "depends_on"),
        None => Some(Vec::new()),
    };
    let target = Target {
        port,
        task: task.unwrap_or(false),
        recipe,
        env: env.as_ref().map(|env| &env.vars),
    };
    let health = check_health(checker, raw, &target);
    let command = match &raw.command {
        Some(value) => check_command(checker, value, "command").map(Some),
        None => Some(None),
    };
    let version = match &raw.version {
        Some(value) => check_version(checker, value).map(Some),
        None => Some(None),
    };
    let (language, framework) = check_language(checker, raw);
    let build = match &raw.build {
        // Compose's `build: ./dir`.
        Some(section) if matches!(section.value, Section::Other(Shape::Scalar)) => {
            let dir = checker
                .source_text(section.pos)
                .unwrap_or_else(|| ".".to_string());
            checker.error(
                section.pos,
                "`build` is a mapping of build options in stack",
                Some(format!(
                    "stack builds a service from `path:`; write `path: {dir}` instead of `build: {dir}`"
                )),
            );
            None
        }
        Some(section) => checker
            .section(section, "build", "build: { build_packages: [g++] }")
            .and_then(|build| check_build(checker, build)),
        None => Some(BuildOptions::default()),
    };
    let volumes = match &raw.volumes {
        Some(value) => check_volumes(checker, value, root),
        None => Some(Vec::new()),
    };
    if matches!(source, Some(Source::Image(_))) {
        reject_build_only_fields(checker, raw);
    }

    let watch = match &raw.watch {
        Some(value) => check_watch(checker, value, source.as_ref(), task.unwrap_or(false), root),
        None => Some(Vec::new()),
    };
    let profiles = match &raw.profiles {
        Some(value) => check_profiles(checker, value),
        None => Vec::new(),
    };
    let depends_on = depends_on.unwrap_or_default();
    let service = || -> Option<Service> {
        Some(Service {
            name: name.to_string(),
            source: source?,
            port,
            host_port: host_port.as_ref().map(|p| p.value),
            host_ip: host_ip?,
            env_from_files: env.as_ref()?.from_files.clone(),
            env: env?.vars,
            depends_on: depends_on.iter().map(|d| d.value.clone()).collect(),
            health: health?,
            health_implied: raw.health.is_none(),
            task: task?,
            command: command?,
            version: version?,
            language,
            framework,
            build: build?,
            volumes: volumes?,
            watch: watch?,
            files: BTreeMap::new(),
            line: key_pos.line,
        })
    };
    Checked {
        service: service(),
        depends_on,
        host_port,
        profiles,
        active: true,
    }
}

/// Profile names, as Compose accepts them; invalid ones are reported and left out.
fn check_profiles(checker: &mut Checker<'_>, value: &Located<Value>) -> Vec<String> {
    static PROFILE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(PROFILE_NAME_PATTERN).expect("a valid pattern"));
    let mut profiles = Vec::new();
    for name in checker.texts(value, "profiles").unwrap_or_default() {
        if PROFILE.is_match(&name.value) {
            profiles.push(name.value);
        } else {
            checker.error(
                name.pos,
                format!("`{}` is not a valid profile name", name.value),
                Some("use letters, digits, `_`, `.` and `-`, e.g. `debug`".to_string()),
            );
        }
    }
    profiles
}

/// A version pin: it becomes part of a base image tag, so it is written in a tag's letters.
fn check_version(checker: &mut Checker<'_>, value: &Located<Value>) -> Option<String> {
    let text = checker.text(value, "version")?;
    let valid = text.value.len() <= 64
        && text.value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid {
        checker.error(
            text.pos,
            format!("`version` `{}` is not a version", text.value),
            Some(
                "write the language version as digits and dots, e.g. `\"3.11\"` or `\"22\"`"
                    .to_string(),
            ),
        );
        return None;
    }
    Some(text.value)
}

fn check_host_ip(checker: &mut Checker<'_>, value: &Located<Value>) -> Option<String> {
    let text = checker.text(value, "host_ip")?;
    if text.value.parse::<IpAddr>().is_err() {
        checker.error(
            text.pos,
            format!("`host_ip` `{}` is not an IP address", text.value),
            Some("use `127.0.0.1` (this machine only) or `0.0.0.0` (every interface)".to_string()),
        );
        return None;
    }
    Some(text.value)
}

/// Fields that only make sense when stack builds the image.
fn reject_build_only_fields(checker: &mut Checker<'_>, raw: &RawService) {
    let fields = [
        ("version", raw.version.as_ref().map(|v| v.pos)),
        ("language", raw.language.as_ref().map(|v| v.pos)),
        ("framework", raw.framework.as_ref().map(|v| v.pos)),
        ("build", raw.build.as_ref().map(|v| v.pos)),
    ];
    for (field, pos) in fields {
        if let Some(pos) = pos {
            checker.error(
                pos,
                format!("`{field}` only applies to services built from `path`"),
                Some("an `image` service runs the image as it is; remove the key".to_string()),
            );
        }
    }
}

//! One service entry: raw fields in, a typed `Service` out, problems reported. Each field's
//! checks live in the file named after it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use crate::manifest::check::build::check_build;
use crate::manifest::check::command::check_command;
use crate::manifest::check::env::check_env;
use crate::manifest::check::health::check_health;
use crate::manifest::check::language::check_language;
use crate::manifest::check::source::check_source;
use crate::manifest::check::volumes::check_volumes;
use crate::manifest::checker::{Checker, Text};
use crate::manifest::located::{Located, Pos};
use crate::manifest::raw::RawService;
use crate::manifest::service::{BuildOptions, Service, Source};
use crate::manifest::value::Value;

/// A service after its own fields are checked; `depends_on` still refers to names that the
/// manifest-level checks resolve. The references are kept even when another field of the
/// service is wrong, so unknown names and cycles are reported in the same run.
pub(crate) struct Checked {
    /// `None` when one of the service's own fields is invalid (already reported).
    pub(crate) service: Option<Service>,
    /// Each dependency with where it was written.
    pub(crate) depends_on: Vec<Text>,
    pub(crate) host_port: Option<Located<u16>>,
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
    let port = raw.port.as_ref().and_then(|v| checker.port(v, "port"));
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
        Some(value) => checker.texts(value, "depends_on"),
        None => Some(Vec::new()),
    };
    let task = match &raw.task {
        Some(value) => checker.flag(value, "task"),
        None => Some(false),
    };
    let health = check_health(checker, raw, port, task.unwrap_or(false));
    let command = match &raw.command {
        Some(value) => check_command(checker, value, "command").map(Some),
        None => Some(None),
    };
    let version = match &raw.version {
        Some(value) => checker.text(value, "version").map(|t| Some(t.value)),
        None => Some(None),
    };
    let (language, framework) = check_language(checker, raw);
    let build = match &raw.build {
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

    let depends_on = depends_on.unwrap_or_default();
    let service = || -> Option<Service> {
        Some(Service {
            name: name.to_string(),
            source: source?,
            port,
            host_port: host_port.as_ref().map(|p| p.value),
            host_ip: host_ip?,
            env: env?,
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
            files: BTreeMap::new(),
            line: key_pos.line,
        })
    };
    Checked {
        service: service(),
        depends_on,
        host_port,
    }
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

//! Validation of one service entry: raw fields in, a typed `Service` out, problems reported.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::language::{Framework, Language};
use crate::manifest::checker::{Checker, Text};
use crate::manifest::health::{Check, Health};
use crate::manifest::located::{Located, Pos};
use crate::manifest::raw::{RawBuild, RawHealth, RawService};
use crate::manifest::section::Section;
use crate::manifest::service::{BuildOptions, DEBIAN_RELEASES, Service, Source};
use crate::manifest::suggest::did_you_mean;
use crate::manifest::value::Value;
use crate::manifest::volume::{Volume, VolumeSource};

/// Debian package names (with an optional `=version`): they are written into `RUN` lines.
static PACKAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$").expect("a valid pattern")
});

/// Environment variable and build argument names.
static VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_.-]*$").expect("a valid pattern"));

/// Docker volume names.
static VOLUME_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$").expect("a valid pattern"));

/// Characters that make a command string need a shell.
const SHELL_OPERATORS: &[&str] = &["&&", "||", "|", ";", ">", "<", "$(", "`", "*"];

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
    let language = raw.language.as_ref().map(|v| check_language(checker, v));
    let framework = raw.framework.as_ref().map(|v| check_framework(checker, v));
    if let (Some(Some(language)), Some(Some(framework)), Some(value)) =
        (language, framework, raw.framework.as_ref())
        && framework.language() != language
    {
        checker.error(
            value.pos,
            format!(
                "framework `{}` is a {} framework, but `language` is {}",
                framework.name(),
                framework.language().name(),
                language.name()
            ),
            Some("remove `language`: the framework implies it".to_string()),
        );
    }
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
            task: task?,
            command: command?,
            version: version?,
            language: language.flatten(),
            framework: framework.flatten(),
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

fn check_source(
    checker: &mut Checker<'_>,
    name: &str,
    key_pos: Pos,
    raw: &RawService,
    root: &Path,
) -> Option<Source> {
    match (&raw.path, &raw.image) {
        (Some(_), Some(image)) => {
            checker.error(
                image.pos,
                "has both `path` and `image`",
                Some(
                    "a service is built from `path` or runs a ready-made `image`; remove one"
                        .to_string(),
                ),
            );
            None
        }
        (None, None) => {
            checker.error(
                key_pos,
                "has neither `path` nor `image`",
                Some(format!(
                    "add `path: ./{name}` to build it from source, or `image: postgres:16` to run an image"
                )),
            );
            None
        }
        (None, Some(image)) => checker.image(image, "image").map(Source::Image),
        (Some(path), None) => {
            let path = checker.text(path, "path")?;
            check_path(checker, &path, root)
        }
    }
}

/// A service directory: it must exist and stay inside the project, symlinks included.
fn check_path(checker: &mut Checker<'_>, path: &Text, root: &Path) -> Option<Source> {
    let relative = PathBuf::from(&path.value);
    let joined = normalize(&root.join(&relative));
    let outside = || {
        (
            format!("path `{}` is outside the project directory", path.value),
            Some(
                "a service directory must be inside the directory holding the manifest; move the service or the manifest"
                    .to_string(),
            ),
        )
    };
    if !joined.starts_with(root) {
        let (message, hint) = outside();
        checker.error(path.pos, message, hint);
        return None;
    }
    let Ok(dir) = joined.canonicalize() else {
        checker.error(
            path.pos,
            format!("path `{}` does not exist", path.value),
            Some("paths are relative to the directory holding the manifest".to_string()),
        );
        return None;
    };
    if !dir.starts_with(root) {
        let (message, hint) = outside();
        checker.error(path.pos, format!("{message} (through a symlink)"), hint);
        return None;
    }
    if !dir.is_dir() {
        checker.error(
            path.pos,
            format!("path `{}` is not a directory", path.value),
            Some("`path` names the service's source directory".to_string()),
        );
        return None;
    }
    Some(Source::Build { dir, relative })
}

/// Resolves `.` and `..` without touching the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
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

/// `env_file` entries first, then `env` on top.
fn check_env(
    checker: &mut Checker<'_>,
    raw: &RawService,
    root: &Path,
) -> Option<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    let mut ok = true;
    if let Some(value) = &raw.env_file
        && let Some(files) = checker.one_or_many(value, "env_file")
    {
        for file in files {
            let path = root.join(&file.value);
            match dotenvy::from_path_iter(&path)
                .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            {
                Ok(pairs) => env.extend(pairs),
                Err(problem) => {
                    ok = false;
                    let message = if path.exists() {
                        format!("cannot read env file `{}`: {problem}", file.value)
                    } else {
                        format!("env file `{}` does not exist", file.value)
                    };
                    checker.error(
                        file.pos,
                        message,
                        Some("env files are relative to the directory holding the manifest and hold `KEY=value` lines".to_string()),
                    );
                }
            }
        }
    }
    let Some(value) = &raw.env else {
        return ok.then_some(env);
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
        _ => checker.text_map(value, "env")?,
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
        if let Some(val) = val {
            env.insert(key.value, val);
        }
    }
    ok.then_some(env)
}

fn check_health(
    checker: &mut Checker<'_>,
    raw: &RawService,
    port: Option<u16>,
    task: bool,
) -> Option<Option<Health>> {
    let Some(section) = &raw.health else {
        // A service with a port and no health check gets a TCP check; tasks finish instead.
        return Some((port.is_some() && !task).then_some(Health {
            check: Check::Tcp,
            interval: Health::DEFAULT_INTERVAL,
            timeout: Health::DEFAULT_TIMEOUT,
        }));
    };
    let fields: &RawHealth = checker.section(section, "health", "health: { http: /healthz }")?;
    if task {
        checker.error(
            section.pos,
            "a task has no health check",
            Some("a task is done when it exits with code 0; remove `health`".to_string()),
        );
        return None;
    }
    let given: Vec<(&str, &Located<Value>)> = [
        ("http", fields.http.as_ref()),
        ("tcp", fields.tcp.as_ref()),
        ("cmd", fields.cmd.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|value| (name, value)))
    .collect();
    let misspelt = matches!(&section.value, Section::Fields { unknown, .. } if !unknown.is_empty());
    let check = match given.as_slice() {
        // An unknown key such as `htp` is reported already, with its suggestion.
        [] if misspelt => None,
        [] => {
            checker.error(
                section.pos,
                "`health` needs one of `http`, `tcp` or `cmd`",
                Some("e.g. `health: { http: /healthz }`".to_string()),
            );
            None
        }
        [(kind, value)] => check_probe(checker, kind, value, port),
        [_, (kind, value), ..] => {
            checker.error(
                value.pos,
                format!("`health` has more than one check (`{kind}` is the second)"),
                Some("keep exactly one of `http`, `tcp` and `cmd`".to_string()),
            );
            None
        }
    };
    let interval = match &fields.interval {
        Some(value) => checker.duration(value, "health.interval"),
        None => Some(Health::DEFAULT_INTERVAL),
    };
    let timeout = match &fields.timeout {
        Some(value) => checker.duration(value, "health.timeout"),
        None => Some(Health::DEFAULT_TIMEOUT),
    };
    Some(Some(Health {
        check: check?,
        interval: interval?,
        timeout: timeout?,
    }))
}

fn check_probe(
    checker: &mut Checker<'_>,
    kind: &str,
    value: &Located<Value>,
    port: Option<u16>,
) -> Option<Check> {
    if kind != "cmd" && port.is_none() {
        checker.error(
            value.pos,
            format!("`health.{kind}` needs `port`"),
            Some(
                "set `port:` to the port the app listens on; stack probes it through the published port"
                    .to_string(),
            ),
        );
        return None;
    }
    match kind {
        "http" => {
            let path = checker.text(value, "health.http")?;
            if !path.value.starts_with('/') {
                checker.error(
                    path.pos,
                    format!(
                        "`health.http` must be a path starting with `/`, found `{}`",
                        path.value
                    ),
                    Some("e.g. `health: { http: /healthz }`".to_string()),
                );
                return None;
            }
            Some(Check::Http { path: path.value })
        }
        "tcp" => match checker.flag(value, "health.tcp")? {
            true => Some(Check::Tcp),
            false => {
                checker.error(
                    value.pos,
                    "`health.tcp: false` checks nothing",
                    Some("write `tcp: true`, or use `http` or `cmd`".to_string()),
                );
                None
            }
        },
        _ => check_command(checker, value, "health.cmd").map(Check::Cmd),
    }
}

/// A command: a list of arguments, or a string split like a shell would. Strings with shell
/// operators run under `sh -c`, as users who write them expect.
fn check_command(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
    field: &str,
) -> Option<Vec<String>> {
    let argv = match &value.value {
        Value::List(_) => checker
            .texts(value, field)?
            .into_iter()
            .map(|t| t.value)
            .collect(),
        _ => {
            let text = checker.text(value, field)?;
            if SHELL_OPERATORS.iter().any(|op| text.value.contains(op)) {
                vec!["sh".to_string(), "-c".to_string(), text.value]
            } else {
                match shell_words::split(&text.value) {
                    Ok(words) => words,
                    Err(_) => {
                        checker.error(
                            text.pos,
                            format!("`{field}` has an unclosed quote"),
                            Some("close the quote, or give the arguments as a list".to_string()),
                        );
                        return None;
                    }
                }
            }
        }
    };
    if argv.is_empty() {
        checker.error(
            value.pos,
            format!("`{field}` is empty"),
            Some("give the program to run and its arguments".to_string()),
        );
        return None;
    }
    Some(argv)
}

fn check_language(checker: &mut Checker<'_>, value: &Located<Value>) -> Option<Language> {
    let text = checker.text(value, "language")?;
    let names = Language::ALL.map(Language::name);
    match Language::ALL.into_iter().find(|l| l.name() == text.value) {
        Some(language) => Some(language),
        None => {
            let hint = did_you_mean(&text.value, names, "stack builds");
            checker.error(
                text.pos,
                format!("unknown language `{}`", text.value),
                Some(hint),
            );
            None
        }
    }
}

fn check_framework(checker: &mut Checker<'_>, value: &Located<Value>) -> Option<Framework> {
    let text = checker.text(value, "framework")?;
    let names = Framework::ALL.map(Framework::name);
    match Framework::ALL.into_iter().find(|f| f.name() == text.value) {
        Some(framework) => Some(framework),
        None => {
            let hint = did_you_mean(&text.value, names, "stack knows");
            checker.error(
                text.pos,
                format!("unknown framework `{}`", text.value),
                Some(hint),
            );
            None
        }
    }
}

fn check_build(checker: &mut Checker<'_>, raw: &RawBuild) -> Option<BuildOptions> {
    let mut packages = |value: &Option<Located<Value>>, field: &str| -> Option<Vec<String>> {
        let Some(value) = value else {
            return Some(Vec::new());
        };
        let names = checker.texts(value, field)?;
        let mut ok = true;
        for name in &names {
            if !PACKAGE.is_match(&name.value) {
                ok = false;
                checker.error(
                    name.pos,
                    format!("`{}` is not a Debian package name", name.value),
                    Some("package names are lowercase, like `libpq-dev` or `g++`".to_string()),
                );
            }
        }
        ok.then(|| names.into_iter().map(|n| n.value).collect())
    };
    let build_packages = packages(&raw.build_packages, "build.build_packages");
    let system_packages = packages(&raw.system_packages, "build.system_packages");
    let args = match &raw.args {
        Some(value) => check_args(checker, value),
        None => Some(BTreeMap::new()),
    };
    let debian = match &raw.debian {
        Some(value) => check_debian(checker, value),
        None => Some(DEBIAN_RELEASES[0].to_string()),
    };
    Some(BuildOptions {
        build_packages: build_packages?,
        system_packages: system_packages?,
        args: args?,
        debian: debian?,
    })
}

fn check_debian(checker: &mut Checker<'_>, value: &Located<Value>) -> Option<String> {
    let release = checker.text(value, "build.debian")?;
    if DEBIAN_RELEASES.contains(&release.value.as_str()) {
        return Some(release.value);
    }
    checker.error(
        release.pos,
        format!(
            "`{}` is not a Debian release stack builds on",
            release.value
        ),
        Some(did_you_mean(
            &release.value,
            DEBIAN_RELEASES,
            "releases are",
        )),
    );
    None
}

fn check_args(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
) -> Option<BTreeMap<String, String>> {
    let mut args = BTreeMap::new();
    let mut ok = true;
    for (key, val) in checker.text_map(value, "build.args")? {
        if !VARIABLE.is_match(&key.value) {
            ok = false;
            checker.error(
                key.pos,
                format!("`{}` is not a valid build argument name", key.value),
                Some("use letters, digits and `_`".to_string()),
            );
            continue;
        }
        args.insert(key.value, val.map(|v| v.value).unwrap_or_default());
    }
    ok.then_some(args)
}

fn check_volumes(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
    root: &Path,
) -> Option<Vec<Volume>> {
    let mut volumes = Vec::new();
    let mut ok = true;
    for entry in checker.texts(value, "volumes")? {
        match parse_volume(&entry.value, root) {
            Ok(volume) => volumes.push(volume),
            Err(message) => {
                ok = false;
                checker.error(
                    entry.pos,
                    message,
                    Some("write `name:/path/in/container` for a named volume or `./dir:/path` for a directory; add `:ro` for read-only".to_string()),
                );
            }
        }
    }
    ok.then_some(volumes)
}

fn parse_volume(text: &str, root: &Path) -> Result<Volume, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, read_only) = match parts.as_slice() {
        [source, target] => (*source, *target, false),
        [source, target, "ro"] => (*source, *target, true),
        [source, target, "rw"] => (*source, *target, false),
        [_, _, mode] => return Err(format!("volume `{text}`: unknown mode `{mode}`")),
        _ => return Err(format!("volume `{text}` is not `source:target`")),
    };
    if !target.starts_with('/') {
        return Err(format!(
            "volume `{text}`: the container path `{target}` is not absolute"
        ));
    }
    let source = if source.starts_with('.') || source.starts_with('/') || source.starts_with('~') {
        let expanded = match source.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(rest))
                .ok_or_else(|| format!("volume `{text}`: HOME is not set"))?,
            None => root.join(source),
        };
        VolumeSource::Bind(normalize(&expanded))
    } else if VOLUME_NAME.is_match(source) {
        VolumeSource::Named(source.to_string())
    } else {
        return Err(format!(
            "volume `{text}`: `{source}` is not a volume name or a path"
        ));
    };
    Ok(Volume {
        source,
        target: target.to_string(),
        read_only,
    })
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::parse_volume;
    use crate::manifest::volume::VolumeSource;

    #[test]
    fn volumes_are_named_or_bind_mounts() {
        let root = Path::new("/p");
        let named = parse_volume("pgdata:/var/lib/postgresql/data", root).expect("valid");
        assert_eq!(named.source, VolumeSource::Named("pgdata".to_string()));
        let bind =
            parse_volume("./seed/../init:/docker-entrypoint-initdb.d:ro", root).expect("valid");
        assert_eq!(bind.source, VolumeSource::Bind("/p/init".into()));
        assert!(bind.read_only);
        assert!(parse_volume("data:relative", root).is_err());
        assert!(parse_volume("data:/x:rx", root).is_err());
    }
}

//! Reading a Docker Compose file for `stack init`: image services (databases, caches)
//! become stack services; whatever stack cannot express is named, never silently dropped.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::init::health;
use crate::manifest::health::Check;
use crate::manifest::recipe::Recipe;

/// The file names Compose itself looks for, in its order.
pub(crate) const FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Service keys init carries over (or uses to decide what a service is).
const CARRIED: &[&str] = &[
    "image",
    "build",
    "ports",
    "expose",
    "environment",
    "env_file",
    "volumes",
    "depends_on",
    "healthcheck",
    "command",
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawCompose {
    name: Option<String>,
    services: BTreeMap<String, BTreeMap<String, Value>>,
    volumes: BTreeMap<String, Value>,
    networks: Option<Value>,
    configs: Option<Value>,
    secrets: Option<Value>,
    include: Option<Value>,
}

/// A compose file as init uses it.
#[derive(Debug, Default)]
pub(crate) struct Compose {
    /// The top-level `name`.
    pub(crate) project: Option<String>,
    pub(crate) services: Vec<ComposeService>,
    /// File-level things stack does not carry over.
    pub(crate) left_out: Vec<String>,
}

/// One compose service as stack would run it.
#[derive(Debug, Default)]
pub(crate) struct ComposeService {
    /// The name as written in the compose file.
    pub(crate) name: String,
    pub(crate) image: Option<String>,
    /// The build context (relative to the compose file, `.` for its own folder): stack
    /// detects that folder instead of carrying the service over.
    pub(crate) build: Option<String>,
    /// `build.args`, carried over as stack's `build: { args }`.
    pub(crate) build_args: Vec<(String, String)>,
    /// The container port (the first published or exposed TCP port).
    pub(crate) port: Option<u16>,
    /// The host port compose fixed for it.
    pub(crate) fixed_host_port: Option<u16>,
    pub(crate) env: Vec<(String, Option<String>)>,
    pub(crate) env_files: Vec<String>,
    pub(crate) volumes: Vec<String>,
    /// Compose names, not yet checked against what init keeps.
    pub(crate) depends_on: Vec<String>,
    pub(crate) health: Option<Check>,
    /// Where the health check came from, for the comment.
    pub(crate) health_from: Option<String>,
    pub(crate) command: Option<Vec<String>>,
    /// Keys and values not carried over, as short phrases.
    pub(crate) left_out: Vec<String>,
}

/// Where a health check translated from the compose file came from.
pub(crate) const COMPOSE_HEALTHCHECK: &str = "compose healthcheck";

/// The compose file in `root`, if it has one: its name and text.
pub(crate) fn find(root: &Path) -> Option<(&'static str, std::io::Result<String>)> {
    FILES
        .iter()
        .find(|name| root.join(name).is_file())
        .map(|name| (*name, std::fs::read_to_string(root.join(name))))
}

/// Reads compose `text`; `root` (the compose file's directory) decides which env files exist.
pub(crate) fn parse(text: &str, root: &Path) -> Result<Compose, String> {
    let raw: RawCompose = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    let mut left_out = Vec::new();
    for (key, value) in [
        ("networks", &raw.networks),
        ("configs", &raw.configs),
        ("secrets", &raw.secrets),
        ("include", &raw.include),
    ] {
        if value.is_some() {
            left_out.push(format!("top-level `{key}`"));
        }
    }
    for (volume, options) in &raw.volumes {
        if options.as_object().is_some_and(|o| !o.is_empty()) {
            left_out.push(format!(
                "the options of volume `{volume}` (stack creates plain local volumes)"
            ));
        }
    }
    let services = raw
        .services
        .into_iter()
        .map(|(name, fields)| service(name, &fields, root))
        .collect();
    Ok(Compose {
        project: raw.name,
        services,
        left_out,
    })
}

/// `build: ./api` or `build: { context: ./api }`, as a clean relative path.
fn build_context(build: &Value) -> String {
    let context = match build {
        Value::String(path) => path.as_str(),
        other => other.get("context").and_then(Value::as_str).unwrap_or("."),
    };
    let trimmed = context.trim_start_matches("./").trim_end_matches('/');
    if trimmed.is_empty() { "." } else { trimmed }.to_string()
}

/// The rest of a long-form `build:`: its `args` (a map or `KEY=value` list) for stack's
/// `build: { args }`, and what stack has no place for (`target`, `dockerfile`, …), named.
fn build_options(build: &Value, service: &mut ComposeService) {
    let Value::Object(options) = build else {
        return;
    };
    for (key, value) in options {
        match key.as_str() {
            "context" => {}
            "args" => {
                for (name, value) in env(value) {
                    match value {
                        Some(value) => service.build_args.push((name, value)),
                        None => service.left_out.push(format!(
                            "build arg `{name}` (no value: stack passes only set ones)"
                        )),
                    }
                }
            }
            "target" => service.left_out.push(format!(
                "build.target `{}` (stack builds the whole Dockerfile, or generates one)",
                scalar_text(value)
            )),
            other => service.left_out.push(format!("build.{other}")),
        }
    }
}

fn service(name: String, fields: &BTreeMap<String, Value>, root: &Path) -> ComposeService {
    let build = fields.get("build").map(build_context);
    let mut service = ComposeService {
        name,
        image: fields
            .get("image")
            .map(scalar_text)
            .filter(|i| !i.is_empty()),
        ..ComposeService::default()
    };
    if let Some(options) = fields.get("build") {
        build_options(options, &mut service);
    }
    if service.image.is_none() && build.is_none() {
        service
            .left_out
            .push("the service: it has neither `image` nor `build`".to_string());
    }
    ports(fields, &mut service);
    if let Some(environment) = fields.get("environment") {
        service.env = env(environment);
    }
    if let Some(files) = fields.get("env_file") {
        env_files(files, root, &mut service);
    }
    // A built service's mounts are usually its source for live reload, which the image
    // already holds: they are reported as one key, not one by one.
    if let Some(Value::Array(volumes)) = fields.get("volumes") {
        for volume in volumes {
            match self::volume(volume) {
                Ok(text) => service.volumes.push(text),
                Err(reason) if build.is_none() => service.left_out.push(reason),
                Err(_) => {}
            }
        }
    }
    service.depends_on = match fields.get("depends_on") {
        Some(Value::Array(names)) => names.iter().map(scalar_text).collect(),
        Some(Value::Object(names)) => names.keys().cloned().collect(),
        _ => Vec::new(),
    };
    service.command = match fields.get("command") {
        Some(Value::String(line)) => match shell_words::split(line) {
            Ok(argv) => Some(argv),
            Err(_) => {
                service
                    .left_out
                    .push(format!("command `{line}` (unbalanced quotes)"));
                None
            }
        },
        Some(Value::Array(argv)) => Some(argv.iter().map(scalar_text).collect()),
        _ => None,
    };
    match fields.get("healthcheck").map(health::from_compose) {
        Some(Ok(probe)) => {
            service.health = probe;
            service.health_from = Some(COMPOSE_HEALTHCHECK.to_string());
        }
        Some(Err(reason)) => service.left_out.push(format!("the healthcheck: {reason}")),
        None => {}
    }
    for key in fields.keys() {
        if !CARRIED.contains(&key.as_str()) && !key.starts_with("x-") {
            service.left_out.push(format!("`{key}`"));
        }
    }
    if build.is_some() {
        service.build = build;
        return service;
    }
    let image = service.image.as_deref().unwrap_or_default();
    if let Some(recipe) = Recipe::for_image(image)
        .filter(|_| service.health.is_none() && service.health_from.is_none())
    {
        // The check goes through the port: the image's usual one when compose names none.
        if service.port.is_none() {
            service.port = Some(recipe.port);
        }
        let env = &service.env;
        service.health = Some(recipe.check(|key| {
            env.iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.clone())
        }));
        service.health_from = Some(format!(
            "the {} recipe: its own protocol, checked from outside the container",
            recipe.name
        ));
    }
    if service.health.is_none() && service.health_from.is_none() && service.port.is_some() {
        service.health = Some(Check::Tcp);
        service.health_from = Some("a TCP connect to its port".to_string());
    }
    let healthcheck_timing = fields
        .get("healthcheck")
        .and_then(Value::as_object)
        .is_some_and(|h| h.keys().any(|k| k != "test" && k != "disable"));
    if healthcheck_timing && service.health.is_some() {
        service
            .left_out
            .push("healthcheck timings (stack probes fast and waits up to 2m)".to_string());
    }
    service
}

/// A YAML scalar as text: numbers and booleans as written.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One published or exposed port: (container port, fixed host port).
fn port(value: &Value) -> Result<(u16, Option<u16>), String> {
    let (container, host, protocol) = match value {
        Value::Number(n) => (n.to_string(), None, None),
        Value::String(text) => {
            let (spec, protocol) = match text.split_once('/') {
                Some((spec, protocol)) => (spec, Some(protocol.to_string())),
                None => (text.as_str(), None),
            };
            let mut parts = spec.rsplitn(3, ':');
            let container = parts.next().unwrap_or_default().to_string();
            let host = parts.next().filter(|h| !h.is_empty()).map(str::to_string);
            (container, host, protocol)
        }
        Value::Object(long) => (
            long.get("target").map(scalar_text).unwrap_or_default(),
            long.get("published")
                .map(scalar_text)
                .filter(|h| !h.is_empty()),
            long.get("protocol").map(scalar_text),
        ),
        other => return Err(format!("port {other}")),
    };
    let shown = || match &host {
        Some(host) => format!("{host}:{container}"),
        None => container.clone(),
    };
    if protocol.as_deref().is_some_and(|p| p != "tcp") {
        return Err(format!("port {} (stack publishes TCP only)", shown()));
    }
    let container_port = container
        .parse::<u16>()
        .map_err(|_| format!("port {} (stack publishes one port, not ranges)", shown()))?;
    Ok((container_port, host.and_then(|h| h.parse().ok())))
}

fn ports(fields: &BTreeMap<String, Value>, service: &mut ComposeService) {
    let published = fields.get("ports").and_then(Value::as_array);
    let exposed = fields.get("expose").and_then(Value::as_array);
    let mut first = true;
    for (value, fixes_host) in published
        .into_iter()
        .flatten()
        .map(|v| (v, true))
        .chain(exposed.into_iter().flatten().map(|v| (v, false)))
    {
        match port(value) {
            Ok((container, host)) if first => {
                first = false;
                service.port = Some(container);
                service.fixed_host_port = host.filter(|_| fixes_host);
            }
            Ok((container, _)) if Some(container) == service.port => {}
            Ok((container, _)) => service.left_out.push(format!(
                "port {container} (stack publishes one port per service)"
            )),
            Err(reason) => service.left_out.push(reason),
        }
    }
}

fn env(environment: &Value) -> Vec<(String, Option<String>)> {
    match environment {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| {
                let value = (!value.is_null()).then(|| scalar_text(value));
                (key.clone(), value)
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let text = scalar_text(item);
                match text.split_once('=') {
                    Some((key, value)) => (key.to_string(), Some(value.to_string())),
                    None => (text, None),
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn env_files(files: &Value, root: &Path, service: &mut ComposeService) {
    let entries: Vec<(String, bool)> = match files {
        Value::String(path) => vec![(path.clone(), true)],
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Object(long) => (
                    long.get("path").map(scalar_text).unwrap_or_default(),
                    long.get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(true),
                ),
                other => (scalar_text(other), true),
            })
            .collect(),
        _ => Vec::new(),
    };
    for (path, required) in entries {
        if root.join(&path).is_file() {
            service.env_files.push(path);
        } else if required {
            service
                .left_out
                .push(format!("env_file `{path}` (it does not exist)"));
        }
    }
}

/// A volume in stack's `source:target[:ro]` form.
fn volume(value: &Value) -> Result<String, String> {
    let (source, target, read_only, extra) = match value {
        Value::String(text) => {
            let parts: Vec<&str> = text.splitn(3, ':').collect();
            match parts.as_slice() {
                [_] => return Err(format!("anonymous volume `{text}`")),
                [source, target] => (source.to_string(), target.to_string(), false, None),
                [source, target, mode] => {
                    let modes: Vec<&str> = mode.split(',').collect();
                    let other: Vec<&str> = modes
                        .iter()
                        .copied()
                        .filter(|m| !matches!(*m, "ro" | "rw"))
                        .collect();
                    (
                        source.to_string(),
                        target.to_string(),
                        modes.contains(&"ro"),
                        (!other.is_empty()).then(|| other.join(",")),
                    )
                }
                _ => return Err(format!("volume `{text}`")),
            }
        }
        Value::Object(long) => {
            let kind = long.get("type").map(scalar_text).unwrap_or_default();
            let source = long.get("source").map(scalar_text).unwrap_or_default();
            let target = long.get("target").map(scalar_text).unwrap_or_default();
            if !matches!(kind.as_str(), "volume" | "bind") || source.is_empty() {
                return Err(format!("{kind} mount of {target}"));
            }
            let read_only = long.get("read_only").and_then(Value::as_bool) == Some(true);
            (source, target, read_only, None)
        }
        other => return Err(format!("volume {other}")),
    };
    if let Some(extra) = extra {
        return Err(format!(
            "volume `{source}:{target}` mode `{extra}` (stack mounts read-only with `:ro` only)"
        ));
    }
    Ok(format!(
        "{source}:{target}{}",
        if read_only { ":ro" } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{env, parse, port, volume};
    use crate::manifest::health::{Check, Protocol};

    #[test]
    fn ports_take_the_container_side_and_remember_a_fixed_host_port() {
        assert_eq!(port(&json!(6379)), Ok((6379, None)));
        assert_eq!(port(&json!("6379")), Ok((6379, None)));
        assert_eq!(port(&json!("5433:5432")), Ok((5432, Some(5433))));
        assert_eq!(port(&json!("127.0.0.1:8080:80/tcp")), Ok((80, Some(8080))));
        assert_eq!(port(&json!("127.0.0.1::80")), Ok((80, None)));
        assert_eq!(
            port(&json!({"target": 80, "published": "8080"})),
            Ok((80, Some(8080)))
        );
        assert!(port(&json!("53:53/udp")).is_err());
        assert!(port(&json!("8000-8010:8000-8010")).is_err());
    }

    #[test]
    fn volumes_and_environment_in_both_syntaxes() {
        assert_eq!(
            volume(&json!("pgdata:/var/lib/postgresql/data")).as_deref(),
            Ok("pgdata:/var/lib/postgresql/data")
        );
        assert_eq!(
            volume(&json!("./init:/docker-entrypoint-initdb.d:ro")).as_deref(),
            Ok("./init:/docker-entrypoint-initdb.d:ro")
        );
        assert_eq!(
            volume(
                &json!({"type": "volume", "source": "data", "target": "/data", "read_only": true})
            )
            .as_deref(),
            Ok("data:/data:ro")
        );
        assert!(volume(&json!("/var/lib/data")).is_err());
        assert!(volume(&json!("./src:/app:cached")).is_err());
        assert!(volume(&json!({"type": "tmpfs", "target": "/tmp"})).is_err());
        let some = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
        assert_eq!(
            env(&json!({"A": "x", "B": 5, "C": true, "D": null})),
            vec![
                some("A", "x"),
                some("B", "5"),
                some("C", "true"),
                ("D".to_string(), None)
            ]
        );
        assert_eq!(
            env(&json!(["A=x=y", "B"])),
            vec![some("A", "x=y"), ("B".to_string(), None)]
        );
    }

    #[test]
    fn image_services_are_carried_over_and_the_rest_is_named() {
        let text = r#"
name: shop
x-common: &common
  restart: unless-stopped
services:
  api:
    build: ./services/api
    depends_on: { db: { condition: service_healthy } }
  db:
    <<: *common
    image: postgres:15
    ports: ["5432:5432", "9187"]
    environment:
      POSTGRES_PASSWORD: app
      POSTGRES_USER: shop
    volumes: [pgdata:/var/lib/postgresql/data, /scratch]
  cache:
    image: redis:7
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
    env_file: missing.env
networks:
  default: {}
volumes:
  pgdata:
"#;
        let root = tempfile::tempdir().expect("a temporary directory");
        let compose = parse(text, root.path()).expect("valid compose");
        assert_eq!(compose.project.as_deref(), Some("shop"));
        assert_eq!(compose.left_out, vec!["top-level `networks`"]);
        let names: Vec<&str> = compose.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["api", "cache", "db"]);
        assert_eq!(compose.services[0].build.as_deref(), Some("services/api"));
        let cache = &compose.services[1];
        assert_eq!(
            cache.health,
            Some(Check::Cmd(vec!["redis-cli".into(), "ping".into()]))
        );
        assert_eq!(
            cache.left_out,
            vec![
                "env_file `missing.env` (it does not exist)",
                "healthcheck timings (stack probes fast and waits up to 2m)",
            ]
        );
        let db = &compose.services[2];
        assert_eq!(db.image.as_deref(), Some("postgres:15"));
        assert_eq!((db.port, db.fixed_host_port), (Some(5432), Some(5432)));
        assert_eq!(db.volumes, vec!["pgdata:/var/lib/postgresql/data"]);
        // Checked in its protocol, as the user compose told the image to create.
        assert_eq!(
            db.health,
            Some(Check::Protocol(Protocol::Postgres {
                user: "shop".to_string()
            }))
        );
        assert_eq!(
            db.left_out,
            vec![
                "port 9187 (stack publishes one port per service)",
                "anonymous volume `/scratch`",
                "`restart`",
            ]
        );
        assert!(parse("services: [", root.path()).is_err());
    }
}

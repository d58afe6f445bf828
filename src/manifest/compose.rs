//! What a Docker Compose user writes out of habit (`ports`, `environment`, `build: .`,
//! `healthcheck`, `container_name`…), answered in stack's terms, made from the value they
//! wrote, rather than a did-you-mean that points somewhere else.

use crate::manifest::checker::Checker;
use crate::manifest::located::Located;
use crate::manifest::value::Value;

/// The hint for the unknown key `key` written with `value`, in the section whose keys are
/// `known`, when it is a Compose habit.
pub(crate) fn compose_hint(
    checker: &Checker<'_>,
    known: &[&str],
    key: &str,
    value: &Located<Value>,
) -> Option<String> {
    let in_service = known.contains(&"depends_on");
    let in_root = known.contains(&"services");
    let in_build = known.contains(&"build_packages");
    match key {
        "ports" | "expose" if in_service => Some(ports(checker, value)),
        "environment" if in_service => Some(
            "stack calls it `env:` (a mapping, or a list of `KEY=value`, as in Compose)".to_string(),
        ),
        "healthcheck" if in_service => Some(healthcheck(checker, value)),
        "container_name" if in_service => Some(
            "stack names containers `<project>-<service>` itself, so two projects never collide; remove it"
                .to_string(),
        ),
        "entrypoint" if in_service => {
            Some("write the whole command line as `command:`".to_string())
        }
        "restart" if in_service => Some(
            "stack reports a crashed service instead of restarting it; remove it".to_string(),
        ),
        "networks" | "links" if in_service => Some(
            "every service is on the project's network and reaches the others by name; remove it"
                .to_string(),
        ),
        "context" if in_build => {
            let dir = checker.scalar_text(value).unwrap_or_else(|| ".".to_string());
            Some(format!(
                "stack builds from the service's `path:`; write `path: {dir}` on the service"
            ))
        }
        "dockerfile" if in_build => Some(
            "stack builds a `Dockerfile` found in the service's `path`, or generates one; remove it"
                .to_string(),
        ),
        "version" if in_root => {
            Some("that is Compose's file format version; stack.yaml has none: remove it".to_string())
        }
        "volumes" if in_root => Some(
            "named volumes are created on first use (`volumes: [\"data:/path\"]` on a service); remove the top-level `volumes:`"
                .to_string(),
        ),
        "networks" if in_root => Some(
            "every project gets one network of its own; remove the top-level `networks:`".to_string(),
        ),
        _ => None,
    }
}

/// `ports: ["8080:80"]` → `port: 80` and `host_port: 8080`.
fn ports(checker: &Checker<'_>, value: &Located<Value>) -> String {
    let first = match &value.value {
        Value::List(items) => items.first().and_then(|item| checker.scalar_text(item)),
        _ => checker.scalar_text(value),
    };
    let many = matches!(&value.value, Value::List(items) if items.len() > 1);
    let Some(first) = first else {
        return "write `port:` with the port the app listens on in the container".to_string();
    };
    let spec = first.split('/').next().unwrap_or_default();
    let parts: Vec<&str> = spec.split(':').collect();
    let mut keys = match parts.as_slice() {
        [container] => format!("`port: {container}`"),
        [host, container] => format!("`port: {container}` and `host_port: {host}`"),
        [ip, "", container] => {
            format!("`port: {container}` and `host_ip: {ip}`")
        }
        [ip, host, container, ..] => {
            format!("`port: {container}`, `host_port: {host}` and `host_ip: {ip}`")
        }
        [] => "`port:`".to_string(),
    };
    keys = format!("write {keys}");
    if many {
        keys.push_str("; stack publishes one port per service");
    } else if parts.len() == 1 {
        keys.push_str(" (the engine picks a free host port; `host_port:` fixes one)");
    }
    keys
}

/// `healthcheck: { test: ["CMD", "pg_isready"] }` → `health: { cmd: "pg_isready" }`.
fn healthcheck(checker: &Checker<'_>, value: &Located<Value>) -> String {
    let test = match &value.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(key, _)| checker.scalar_text(key).as_deref() == Some("test"))
            .map(|(_, test)| test),
        _ => None,
    };
    let command = test.and_then(|test| match &test.value {
        Value::List(items) => {
            let words: Vec<String> = items
                .iter()
                .filter_map(|i| checker.scalar_text(i))
                .collect();
            match words.split_first() {
                Some((first, rest)) if first == "CMD" || first == "CMD-SHELL" => {
                    Some(rest.join(" "))
                }
                _ => Some(words.join(" ")),
            }
        }
        _ => checker.scalar_text(test),
    });
    match command {
        Some(command) if !command.is_empty() => format!(
            "stack runs checks itself: write `health: {{ cmd: \"{}\" }}` (or `http: /path`, `tcp: true`)",
            command.replace('"', "\\\"")
        ),
        _ => "stack runs checks itself: write `health:` with one of `http: /path`, `tcp: true` or `cmd: \"…\"`"
            .to_string(),
    }
}

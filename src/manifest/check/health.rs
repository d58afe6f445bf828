//! A service's health check: which kind, its target, and its timing.

use crate::manifest::check::command::check_command;
use crate::manifest::checker::Checker;
use crate::manifest::health::{Check, Health};
use crate::manifest::located::Located;
use crate::manifest::raw::{RawHealth, RawService};
use crate::manifest::section::Section;
use crate::manifest::value::Value;

/// The keys of `health:` that each choose a kind of `Check`.
#[derive(Clone, Copy)]
enum Kind {
    Http,
    Tcp,
    Cmd,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Tcp => "tcp",
            Kind::Cmd => "cmd",
        }
    }

    /// HTTP and TCP probes go through the published port; a command runs inside.
    fn needs_port(self) -> bool {
        match self {
            Kind::Http | Kind::Tcp => true,
            Kind::Cmd => false,
        }
    }
}

/// The service's health check: the one written, a TCP check for a service with a port,
/// none for a task. `None` when invalid (reported).
pub(crate) fn check_health(
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
    let given: Vec<(Kind, &Located<Value>)> = [
        (Kind::Http, fields.http.as_ref()),
        (Kind::Tcp, fields.tcp.as_ref()),
        (Kind::Cmd, fields.cmd.as_ref()),
    ]
    .into_iter()
    .filter_map(|(kind, value)| value.map(|value| (kind, value)))
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
        [(kind, value)] => check_probe(checker, *kind, value, port),
        [_, (kind, value), ..] => {
            checker.error(
                value.pos,
                format!(
                    "`health` has more than one check (`{}` is the second)",
                    kind.key()
                ),
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

/// The check `kind` written as `value`.
fn check_probe(
    checker: &mut Checker<'_>,
    kind: Kind,
    value: &Located<Value>,
    port: Option<u16>,
) -> Option<Check> {
    if kind.needs_port() && port.is_none() {
        checker.error(
            value.pos,
            format!("`health.{}` needs `port`", kind.key()),
            Some(
                "set `port:` to the port the app listens on; stack probes it through the published port"
                    .to_string(),
            ),
        );
        return None;
    }
    match kind {
        Kind::Http => {
            let path = checker.text(value, "health.http")?;
            if !path.value.starts_with('/')
                || path
                    .value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
            {
                checker.error(
                    path.pos,
                    format!(
                        "`health.http` must be a URL path starting with `/`, found `{}`",
                        path.value
                    ),
                    Some("e.g. `health: { http: /healthz }`".to_string()),
                );
                return None;
            }
            Some(Check::Http { path: path.value })
        }
        Kind::Tcp => match checker.flag(value, "health.tcp")? {
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
        Kind::Cmd => check_command(checker, value, "health.cmd").map(Check::Cmd),
    }
}

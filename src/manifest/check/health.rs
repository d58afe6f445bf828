//! A service's health check: which kind, its target, and its timing; a well-known image's
//! recipe when none is written.

use std::collections::BTreeMap;

use crate::manifest::check::command::check_command;
use crate::manifest::checker::Checker;
use crate::manifest::health::{Check, Health, Protocol};
use crate::manifest::located::Located;
use crate::manifest::raw::{RawHealth, RawService};
use crate::manifest::recipe::{Recipe, postgres_user};
use crate::manifest::section::Section;
use crate::manifest::value::Value;

/// The keys of `health:` that each choose a kind of `Check`.
#[derive(Clone, Copy)]
enum Kind {
    Http,
    Tcp,
    Cmd,
    Grpc,
    Postgres,
    Redis,
    Amqp,
    Mysql,
    Kafka,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Http => "http",
            Kind::Tcp => "tcp",
            Kind::Cmd => "cmd",
            Kind::Grpc => "grpc",
            Kind::Postgres => "postgres",
            Kind::Redis => "redis",
            Kind::Amqp => "amqp",
            Kind::Mysql => "mysql",
            Kind::Kafka => "kafka",
        }
    }

    /// A command runs inside; every other check goes through the published port.
    fn needs_port(self) -> bool {
        match self {
            Kind::Http
            | Kind::Tcp
            | Kind::Grpc
            | Kind::Postgres
            | Kind::Redis
            | Kind::Amqp
            | Kind::Mysql
            | Kind::Kafka => true,
            Kind::Cmd => false,
        }
    }

    /// The check keys written in `fields`, in the order of the reference.
    fn given(fields: &RawHealth) -> Vec<(Kind, &Located<Value>)> {
        [
            (Kind::Http, fields.http.as_ref()),
            (Kind::Tcp, fields.tcp.as_ref()),
            (Kind::Cmd, fields.cmd.as_ref()),
            (Kind::Grpc, fields.grpc.as_ref()),
            (Kind::Postgres, fields.postgres.as_ref()),
            (Kind::Redis, fields.redis.as_ref()),
            (Kind::Amqp, fields.amqp.as_ref()),
            (Kind::Mysql, fields.mysql.as_ref()),
            (Kind::Kafka, fields.kafka.as_ref()),
        ]
        .into_iter()
        .filter_map(|(kind, value)| value.map(|value| (kind, value)))
        .collect()
    }
}

/// The keys that choose a check, as the messages list them.
const KINDS: &str = "`http`, `tcp`, `cmd`, `grpc`, `postgres`, `redis`, `amqp`, `mysql` or `kafka`";

/// The recipe of a service's image, for its check and port: an image service that is not
/// a task. `image` is the image as validated.
pub(crate) fn recipe_of(image: Option<&str>, task: bool) -> Option<&'static Recipe> {
    Recipe::for_image(image.filter(|_| !task)?)
}

/// The port a recipe gives a service that writes none, when its check goes through one: the
/// recipe's own check, or a protocol, HTTP or TCP check written for it (a `cmd` needs none).
pub(crate) fn recipe_port(raw: &RawService, recipe: &Recipe) -> Option<u16> {
    let needs_port = match raw.health.as_ref().map(|section| &section.value) {
        None => true,
        Some(Section::Fields { value, .. }) => Kind::given(value)
            .first()
            .is_none_or(|(kind, _)| kind.needs_port()),
        Some(Section::Other(_)) => false,
    };
    needs_port.then_some(recipe.port)
}

/// What a service's check needs to know about the service.
pub(crate) struct Target<'a> {
    /// The port, written or the recipe's.
    pub(crate) port: Option<u16>,
    pub(crate) task: bool,
    /// The recipe of its image: its check is the service's when none is written.
    pub(crate) recipe: Option<&'static Recipe>,
    /// Its environment, when valid: `postgres: true` names the role it creates.
    pub(crate) env: Option<&'a BTreeMap<String, String>>,
}

impl Target<'_> {
    fn var(&self, key: &str) -> Option<String> {
        self.env.and_then(|env| env.get(key)).cloned()
    }
}

/// The service's health check: the one written, its recipe's, a TCP check for a service
/// with a port, none for a task. `None` when invalid (reported).
pub(crate) fn check_health(
    checker: &mut Checker<'_>,
    raw: &RawService,
    target: &Target<'_>,
) -> Option<Option<Health>> {
    let (port, task) = (target.port, target.task);
    let implied = match target.recipe {
        Some(recipe) => Some(recipe.check(|key| target.var(key))),
        // A service with a port and no health check gets a TCP check; tasks finish instead.
        None => (port.is_some() && !task).then_some(Check::Tcp),
    };
    let Some(section) = &raw.health else {
        return Some(implied.map(|check| Health {
            check,
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
    let given = Kind::given(fields);
    let misspelt = matches!(&section.value, Section::Fields { unknown, .. } if !unknown.is_empty());
    let check = match given.as_slice() {
        // An unknown key such as `htp` is reported already, with its suggestion.
        [] if misspelt => None,
        // Only timing: the recipe's check, with it.
        [] if target.recipe.is_some() => implied,
        [] => {
            checker.error(
                section.pos,
                format!("`health` needs one of {KINDS}"),
                Some("e.g. `health: { http: /healthz }`".to_string()),
            );
            None
        }
        [(kind, value)] => check_probe(checker, *kind, value, target),
        [_, (kind, value), ..] => {
            checker.error(
                value.pos,
                format!(
                    "`health` has more than one check (`{}` is the second)",
                    kind.key()
                ),
                Some("keep exactly one kind of check".to_string()),
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
    target: &Target<'_>,
) -> Option<Check> {
    if kind.needs_port() && target.port.is_none() {
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
        Kind::Tcp => enabled(checker, kind, value).then_some(Check::Tcp),
        Kind::Redis => enabled(checker, kind, value).then_some(Check::Protocol(Protocol::Redis)),
        Kind::Amqp => enabled(checker, kind, value).then_some(Check::Protocol(Protocol::Amqp)),
        Kind::Mysql => enabled(checker, kind, value).then_some(Check::Protocol(Protocol::Mysql)),
        Kind::Kafka => enabled(checker, kind, value).then_some(Check::Protocol(Protocol::Kafka)),
        Kind::Cmd => check_command(checker, value, "health.cmd").map(Check::Cmd),
        Kind::Grpc => {
            let service = name_or_true(checker, kind, value)?;
            Some(Check::Protocol(Protocol::Grpc {
                service: service.unwrap_or_default(),
            }))
        }
        Kind::Postgres => {
            let user = name_or_true(checker, kind, value)?;
            Some(Check::Protocol(Protocol::Postgres {
                user: user.unwrap_or_else(|| postgres_user(|key| target.var(key))),
            }))
        }
    }
}

/// A check written `KIND: true`; `false` checks nothing, and is reported.
fn enabled(checker: &mut Checker<'_>, kind: Kind, value: &Located<Value>) -> bool {
    match checker.flag(value, &format!("health.{}", kind.key())) {
        Some(true) => true,
        Some(false) => {
            refuse_false(checker, kind, value);
            false
        }
        None => false,
    }
}

/// `true` (`None`) or a name (`Some`), for checks that may name what they ask about.
fn name_or_true(
    checker: &mut Checker<'_>,
    kind: Kind,
    value: &Located<Value>,
) -> Option<Option<String>> {
    let field = format!("health.{}", kind.key());
    let text = checker.text(value, &field)?;
    match text.value.as_str() {
        "true" => Some(None),
        "false" => {
            refuse_false(checker, kind, value);
            None
        }
        name if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            checker.error(
                text.pos,
                format!("`{field}` must be `true` or a name, found `{name}`"),
                Some(format!("e.g. `health: {{ {}: true }}`", kind.key())),
            );
            None
        }
        name => Some(Some(name.to_string())),
    }
}

fn refuse_false(checker: &mut Checker<'_>, kind: Kind, value: &Located<Value>) {
    checker.error(
        value.pos,
        format!("`health.{}: false` checks nothing", kind.key()),
        Some(format!(
            "write `{}: true`, or choose another kind of check",
            kind.key()
        )),
    );
}

//! The raw model of stack.yaml: every key as written, with positions, before any checking.
//!
//! The doc comments on these fields are the reference documentation of the manifest: they
//! become the descriptions in `stack.schema.json`, which editors show on hover.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::manifest::list::List;
use crate::manifest::located::Located;
use crate::manifest::schema::{
    BoolField, CommandLine, DebianRelease, Duration, EnvFiles, EnvMap, FrameworkName, HttpPath,
    LanguageName, NameOrTrue, Port, ProfileName, ProjectName, Routes, ServiceName, Services,
    StringList, StringMap, Version, VolumeList, WatchActionName,
};
use crate::manifest::section::Section;
use crate::manifest::table::Table;
use crate::manifest::value::Value;

/// stack.yaml: the services of a development environment, how to build them, how to tell
/// they are ready, and how they reach each other.
///
/// String values may use `${VAR}`, `${VAR:-default}` and `${VAR:?message}`, read from the
/// environment and then from a `.env` file next to stack.yaml; `$$` is a literal `$`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(title = "stack.yaml", rename = "Manifest")]
pub(crate) struct RawManifest {
    /// Project name. It labels every container, network and volume stack creates, so two
    /// projects on one machine never touch each other's. Lowercase letters, digits, `-` and
    /// `_`, starting with a letter or digit. Default: the name of the directory holding
    /// stack.yaml, lowercased.
    #[schemars(with = "ProjectName")]
    pub(crate) name: Option<Located<Value>>,

    /// The services of the stack, by name. A name is a DNS label (lowercase letters, digits
    /// and `-`) because services reach each other by name on the project network, e.g.
    /// `postgres://db:5432`.
    #[schemars(with = "Services")]
    pub(crate) services: Option<Located<Table<Section<RawService>>>>,

    /// An optional nginx gateway published on the host, routing path prefixes to services,
    /// so a browser sees one origin (`/api/` to the API, `/` to the web app).
    pub(crate) gateway: Option<Located<Section<RawGateway>>>,

    /// Extra CA certificates (PEM files) to trust in builds and at run time, e.g. a corporate
    /// proxy's. Paths are relative to stack.yaml and must exist.
    #[schemars(with = "StringList")]
    pub(crate) ca_certificates: Option<Located<Value>>,

    /// The registry `stack push` pushes built images to, and that `stack export` and
    /// `stack deploy --swarm` name them by: `host[:port]/prefix`, e.g. `127.0.0.1:5000/team`.
    /// A built service's image there is
    /// `<registry>/<project>-<service>:<content hash>`. `--registry` overrides it.
    #[schemars(with = "String")]
    pub(crate) registry: Option<Located<Value>>,
}

/// One service: built from a source directory (`path`) or run from an image (`image`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    rename = "Service",
    extend("oneOf" = [{"required": ["path"]}, {"required": ["image"]}])
)]
pub(crate) struct RawService {
    /// Source directory, relative to stack.yaml; it must stay inside the project. stack
    /// detects the language and generates a Dockerfile, or builds the directory's own
    /// `Dockerfile` unchanged when it has one. Exactly one of `path` and `image`.
    #[schemars(with = "String")]
    pub(crate) path: Option<Located<Value>>,

    /// A ready-made image, used as is: `postgres:16`, `redis:7-alpine`. Exactly one of
    /// `path` and `image`.
    #[schemars(with = "String")]
    pub(crate) image: Option<Located<Value>>,

    /// The port the app listens on inside the container. It is published on `host_ip` at a
    /// free host port the engine picks, unless `host_port` fixes one. A service with a port
    /// and no `health` is checked by connecting to it.
    #[schemars(with = "Port")]
    pub(crate) port: Option<Located<Value>>,

    /// A fixed host port for `port`, when tools outside the stack need a stable address.
    /// Default: a free port chosen by the engine, shown by `stack ps`.
    #[schemars(with = "Port")]
    pub(crate) host_port: Option<Located<Value>>,

    /// The host address the port is published on. Default: `127.0.0.1`, so a development
    /// database is not reachable from the network; `0.0.0.0` publishes on every interface.
    #[schemars(with = "String")]
    pub(crate) host_ip: Option<Located<Value>>,

    /// Environment variables, as a mapping (`KEY: value`) or a list of `KEY=value` strings.
    /// Numbers and booleans are passed exactly as written. A key without a value takes the
    /// variable from stack's own environment or `.env`, and is left out when unset.
    #[schemars(with = "EnvMap")]
    pub(crate) env: Option<Located<Value>>,

    /// Files of `KEY=value` lines (`.env` syntax), relative to stack.yaml, read in order
    /// before `env`, which wins. A missing file is an error.
    #[schemars(with = "EnvFiles")]
    pub(crate) env_file: Option<Located<Value>>,

    /// Services that must be ready before this one starts: healthy, or for a `task`, exited
    /// with code 0. Cycles are an error.
    #[schemars(with = "Vec<ServiceName>")]
    pub(crate) depends_on: Option<Located<Value>>,

    /// How stack decides the service is ready: one kind of check, from stack (`http`,
    /// `tcp`, or a protocol: `grpc`, `postgres`, `redis`, `amqp`, `mysql`, `kafka`) or
    /// inside the container (`cmd`). Default: for a well-known image (postgres, mysql,
    /// mariadb, redis, rabbitmq, kafka, mongo, nginx, mosquitto) its protocol's check on its
    /// usual port; else a TCP connect when the service has a `port` (an HTTP request for a
    /// framework that speaks HTTP), otherwise none (started means ready). Tasks have none:
    /// they are done when they exit 0.
    pub(crate) health: Option<Located<Section<RawHealth>>>,

    /// A one-shot service such as a migration: success is exit code 0, and services that
    /// depend on it wait for it to finish. Default: `false`.
    #[schemars(with = "BoolField")]
    pub(crate) task: Option<Located<Value>>,

    /// The command to run instead of the image's or generated default: a string, split like a
    /// shell would (`python manage.py migrate`), or a list of arguments. Shell operators such
    /// as `&&` or `|` run the string with `sh -c`.
    #[schemars(with = "CommandLine")]
    pub(crate) command: Option<Located<Value>>,

    /// Language version to build with, which picks the base image tag: `"3.12"` for Python,
    /// `"22"` for Node. Quote it: YAML reads 3.10 as the number 3.1, although stack keeps
    /// the text as written. Default: the version the source declares, or a current release.
    #[schemars(with = "Version")]
    pub(crate) version: Option<Located<Value>>,

    /// The language, when detection should not guess: python, node, go, rust or java.
    #[schemars(with = "LanguageName")]
    pub(crate) language: Option<Located<Value>>,

    /// The web framework, which decides the generated build and start command: flask,
    /// fastapi, django (Python); express, or a front end built to a static site or its
    /// server: react (Create React App), vite, angular, vue (Vue CLI), next, nuxt, svelte
    /// (Node). It implies `language`. `none`: no framework, run the script or `command`.
    #[schemars(with = "FrameworkName")]
    pub(crate) framework: Option<Located<Value>>,

    /// Options for building a `path` service's image.
    pub(crate) build: Option<Located<Section<RawBuild>>>,

    /// Volumes and bind mounts, Docker style: `name:/container/path` for a named volume the
    /// project owns, `./dir:/container/path` for a directory relative to stack.yaml. Append
    /// `:ro` to mount read-only.
    #[schemars(with = "VolumeList")]
    pub(crate) volumes: Option<Located<Value>>,

    /// Profiles this service belongs to, e.g. `[debug]`. A service with profiles runs only
    /// when one of them is active (`--profile debug`, `STACK_PROFILES=debug`); a service
    /// without runs always. A running service may not depend on one whose profiles are off.
    #[schemars(with = "Vec<ProfileName>")]
    pub(crate) profiles: Option<Located<Value>>,

    /// What `stack watch` (and `stack up --watch`) does when a file under a rule's `path`
    /// changes, where stack's defaults do not fit. The most specific `path` decides; files
    /// no rule covers keep the defaults: Python and Node sources are synced into the
    /// running container and the framework reloads them, dependency files and the
    /// Dockerfile rebuild, compiled languages rebuild. At start, every `sync` rule's
    /// files are copied once, so the container starts from what is on disk.
    pub(crate) watch: Option<Located<List<Section<RawWatch>>>>,
}

/// One `watch:` rule: what happens when a file under `path` changes.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "WatchRule", extend("required" = ["path", "action"]))]
pub(crate) struct RawWatch {
    /// The file or folder to watch, relative to stack.yaml, inside the project. Files the
    /// service's `.dockerignore` leaves out of its build are never watched, nor is `.git`.
    #[schemars(with = "String")]
    pub(crate) path: Option<Located<Value>>,

    /// `sync`: copy changed files into the running container (deleted files are deleted)
    /// and let the app's reloader pick them up; `rebuild`: build the image again and
    /// recreate the container; `restart`: restart the container; `sync+restart`: copy,
    /// then restart; `sync+exec`: copy, then run `exec` in the container.
    #[schemars(with = "WatchActionName")]
    pub(crate) action: Option<Located<Value>>,

    /// Where `path` is copied to in the container (an absolute path), for the sync
    /// actions. Default, for a service built from a generated Dockerfile: the same place
    /// under `/app`, where its image holds the source. A service with its own Dockerfile
    /// or an `image` service needs it.
    #[schemars(with = "String")]
    pub(crate) target: Option<Located<Value>>,

    /// Patterns, relative to `path`, in `.dockerignore` syntax (`**/*.tmp`, `!keep.tmp`):
    /// changes to files they match do nothing.
    #[schemars(with = "StringList")]
    pub(crate) ignore: Option<Located<Value>>,

    /// For `sync+exec`: the command run in the container after each sync, as a string
    /// split like a shell would or a list of arguments, e.g. `npm run build:css`.
    #[schemars(with = "CommandLine")]
    pub(crate) exec: Option<Located<Value>>,
}

/// The readiness probe of a service: exactly one kind of check (`http`, `tcp`, `cmd`, or a
/// protocol: `grpc`, `postgres`, `redis`, `amqp`, `mysql`, `kafka`), with its timing.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    rename = "Health",
    extend("oneOf" = [
        {"required": ["http"]}, {"required": ["tcp"]}, {"required": ["cmd"]},
        {"required": ["grpc"]}, {"required": ["postgres"]}, {"required": ["redis"]},
        {"required": ["amqp"]}, {"required": ["mysql"]}, {"required": ["kafka"]},
        {"not": {"anyOf": [
            {"required": ["http"]}, {"required": ["tcp"]}, {"required": ["cmd"]},
            {"required": ["grpc"]}, {"required": ["postgres"]}, {"required": ["redis"]},
            {"required": ["amqp"]}, {"required": ["mysql"]}, {"required": ["kafka"]}
        ]}}
    ])
)]
pub(crate) struct RawHealth {
    /// HTTP GET on this path through the published port; any 2xx or 3xx status is healthy.
    /// Needs `port`.
    #[schemars(with = "HttpPath")]
    pub(crate) http: Option<Located<Value>>,

    /// `true`: a TCP connect through the published port is healthy. Needs `port`.
    #[schemars(with = "BoolField")]
    pub(crate) tcp: Option<Located<Value>>,

    /// A command run inside the container; exit code 0 is healthy. A string is split like a
    /// shell would (`pg_isready -U postgres`), or give a list of arguments.
    #[schemars(with = "CommandLine")]
    pub(crate) cmd: Option<Located<Value>>,

    /// The standard gRPC health check (`grpc.health.v1.Health/Check`, plaintext HTTP/2)
    /// through the published port; `SERVING` is healthy. `true` asks about the server as a
    /// whole, a name (`shop.Orders`) about that service. Needs `port`.
    #[schemars(with = "NameOrTrue")]
    pub(crate) grpc: Option<Located<Value>>,

    /// A PostgreSQL startup message through the published port, judged as `pg_isready`
    /// does: an authentication request, or any error but "the database system is starting
    /// up", is healthy. No client or password needed. `true` names the role in `env`'s
    /// `POSTGRES_USER` (else `postgres`); a string names another. Needs `port`.
    #[schemars(with = "NameOrTrue")]
    pub(crate) postgres: Option<Located<Value>>,

    /// `true`: `PING` through the published port, answered `+PONG` (or `-NOAUTH`: the
    /// server is up and wants the password its clients send). `-LOADING` is not healthy.
    /// Needs `port`.
    #[schemars(with = "BoolField")]
    pub(crate) redis: Option<Located<Value>>,

    /// `true`: the AMQP 0-9-1 protocol header through the published port, answered with
    /// `Connection.Start` (RabbitMQ). Needs `port`.
    #[schemars(with = "BoolField")]
    pub(crate) amqp: Option<Located<Value>>,

    /// `true`: the handshake a MySQL or MariaDB server sends on connect, through the
    /// published port (an error packet counts too, as for `mysqladmin ping`: the server is
    /// up). Needs `port`.
    #[schemars(with = "BoolField")]
    pub(crate) mysql: Option<Located<Value>>,

    /// `true`: a Kafka `ApiVersions` request through the published port, answered by the
    /// broker. Needs `port`.
    #[schemars(with = "BoolField")]
    pub(crate) kafka: Option<Located<Value>>,

    /// How long the service may take to become healthy before `stack up` fails: `90s`,
    /// `2m`, or a number of seconds. Default: `2m`.
    #[schemars(with = "Duration")]
    pub(crate) timeout: Option<Located<Value>>,

    /// Time between probes once start-up polling has backed off: `500ms`, `2s`, or a number
    /// of seconds. Default: `1s`.
    #[schemars(with = "Duration")]
    pub(crate) interval: Option<Located<Value>>,
}

/// How a `path` service's image is built.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "Build")]
pub(crate) struct RawBuild {
    /// Distribution packages installed only in the build stage: compilers and headers for
    /// native extensions (`g++`, `make`, `libpq-dev`). They stay out of the final image.
    #[schemars(with = "StringList")]
    pub(crate) build_packages: Option<Located<Value>>,

    /// Distribution packages installed in the runtime image: shared libraries the app loads
    /// (`libgomp1`, `libpq5`).
    #[schemars(with = "StringList")]
    pub(crate) system_packages: Option<Located<Value>>,

    /// Docker build arguments (`ARG`) for a service's own Dockerfile. Never secrets: build
    /// arguments are visible in the image history.
    #[schemars(with = "StringMap")]
    pub(crate) args: Option<Located<Value>>,

    /// The Debian release of the generated Dockerfile's base images: `bookworm` (default)
    /// or `trixie`. Python 3.13 and newer toolchains come with trixie.
    #[schemars(with = "DebianRelease")]
    pub(crate) debian: Option<Located<Value>>,
}

/// The generated nginx gateway.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(rename = "Gateway", extend("required" = ["port", "routes"]))]
pub(crate) struct RawGateway {
    /// The host port the gateway is published on, on 127.0.0.1.
    #[schemars(with = "Port")]
    pub(crate) port: Option<Located<Value>>,

    /// Path prefix to service: `{ /api/: api, /: web }`. The longest matching prefix wins;
    /// each service must have a `port`. The prefix is stripped: `/api/users` reaches `api`
    /// as `/users`, with the prefix in `X-Forwarded-Prefix`.
    #[schemars(with = "Routes")]
    pub(crate) routes: Option<Located<Value>>,

    /// The nginx image the gateway runs. Default: `nginx:stable`.
    #[schemars(with = "String")]
    pub(crate) image: Option<Located<Value>>,
}

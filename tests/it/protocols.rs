//! The protocol health checks against real servers (postgres, redis, RabbitMQ, MariaDB, a
//! Python grpcio server with the standard health service) and against the broker side of
//! Kafka's ApiVersions exchange written for these tests (no Kafka package exists here):
//! each goes healthy. Against a server that is not ready, or that speaks another protocol,
//! each fails with what the server answered; those outputs are whole snapshots.

use crate::common::{
    BUSYBOX, CA_BUNDLE, LiveProject, Output, copy_fixture, docker, require_engine,
};

/// A service running one of `tests/fixtures/protocol-stubs` on port 8000 with busybox's
/// `nc`, checked by `check`, which must fail within 3 seconds.
fn stub(stub: &str, check: &str) -> String {
    format!(
        "services:\n  broken:\n    image: {BUSYBOX}\n    command: nc -ll -p 8000 -e /stubs/{stub}\n    volumes: [\"./stubs:/stubs:ro\"]\n    port: 8000\n    health: {{ {check}, timeout: 3s }}\n"
    )
}

/// `up -d` of `manifest`, which must fail as unhealthy (exit code 5): the whole output.
fn unhealthy(tag: &str, manifest: &str) -> Output {
    let live = LiveProject::new(tag, manifest);
    copy_fixture("protocol-stubs", &live.project.path().join("stubs"));
    let out = live.run(["up", "-d", "--progress", "plain"]);
    assert_eq!(out.code, 5, "{}", out.normalized());
    out
}

/// `up -d` of `live`, which must succeed with every service healthy.
fn healthy(live: &LiveProject) -> Output {
    let out = live.run(["up", "-d", "--progress", "plain"]).success();
    let ps = live.run(["ps", "--json"]).success().stdout;
    let rows: serde_json::Value = serde_json::from_str(&ps).expect("json");
    for row in rows.as_array().expect("a list") {
        assert_eq!(row["health"], "healthy", "{row}");
    }
    out
}

#[test]
fn postgres_is_checked_as_pg_isready_does() {
    require_engine!();
    // Password authentication (the server asks for it) and trust (it lets the probe in):
    // both are a server taking logins, and neither logs anything about the probe.
    let live = LiveProject::new(
        "pg",
        "services:\n  db:\n    image: postgres:15\n    port: 5432\n    env: { POSTGRES_USER: shop, POSTGRES_PASSWORD: secret }\n    health: { postgres: true }\n  trusting:\n    image: postgres:15\n    port: 5432\n    env: { POSTGRES_HOST_AUTH_METHOD: trust }\n    health: { postgres: true }\n",
    );
    healthy(&live);
    let logs = docker(&["logs", &format!("{}-db", live.name)]);
    assert!(
        logs.contains("database system is ready to accept connections") && !logs.contains("FATAL"),
        "{logs}"
    );
    // The server answers 57P03, "starting up": pg_isready's "rejecting connections".
    let out = unhealthy("pg-starting", &stub("starting-postgres", "postgres: true"));
    insta::assert_snapshot!(out.normalized());
}

#[test]
fn redis_answers_pong_or_wants_a_password_and_is_not_ready_while_loading() {
    require_engine!();
    let live = LiveProject::new(
        "redis",
        "services:\n  cache:\n    image: redis:7\n    port: 6379\n    health: { redis: true }\n  locked:\n    image: redis:7\n    command: redis-server --requirepass secret\n    port: 6379\n    health: { redis: true }\n",
    );
    healthy(&live);
    let out = unhealthy("redis-loading", &stub("loading-redis", "redis: true"));
    insta::assert_snapshot!("redis_loading", out.normalized());
    // Protected mode: no password, and the probe comes from outside the container.
    let live = LiveProject::new(
        "redis-protected",
        "services:\n  cache:\n    image: redis:7\n    command: redis-server --protected-mode yes\n    port: 6379\n    health: { redis: true, timeout: 3s }\n",
    );
    let out = live.run(["up", "-d", "--progress", "plain"]);
    assert_eq!(out.code, 5, "{}", out.normalized());
    // redis's own start-up lines carry its pid and the time.
    let out = out.replace_pattern(
        r"(?m)^(    \| )\d+:([CM]) .*$",
        "$1[PID]:$2 [REDIS LOG LINE]",
    );
    insta::assert_snapshot!("redis_protected_mode", out.normalized());
}

#[test]
fn rabbitmq_answers_the_amqp_header_with_connection_start() {
    require_engine!();
    let live = LiveProject::new(
        "amqp",
        "services:\n  queue:\n    image: rabbitmq:4.0\n    port: 5672\n    env: { RABBITMQ_DEFAULT_USER: app, RABBITMQ_DEFAULT_PASS: app }\n    health: { amqp: true }\n",
    );
    healthy(&live);
    let out = unhealthy("amqp-silent", &stub("silent", "amqp: true"));
    insta::assert_snapshot!(out.normalized());
}

#[test]
fn mariadb_sends_its_handshake_once_initialised() {
    require_engine!();
    let live = LiveProject::new(
        "mysql",
        "services:\n  sql:\n    image: mariadb:11.8\n    port: 3306\n    env: { MARIADB_ROOT_PASSWORD: root, MARIADB_DATABASE: app }\n    health: { mysql: true }\n  client:\n    image: mariadb:11.8\n    command: mariadb -h sql -uroot -proot app -e \"select 'ready' as answer\"\n    task: true\n    depends_on: [sql]\n",
    );
    let out = live.run(["up", "-d", "--progress", "plain"]).success();
    // The client started only once the check passed, and the server let it in at once:
    // initialisation (networking off) was over.
    assert!(out.stderr.contains("client  completed"), "{}", out.stderr);
    let logs = live.run(["logs", "client"]).success();
    assert!(logs.stdout.contains("ready"), "{}", logs.stdout);
    let out = unhealthy("mysql-http", &stub("http", "mysql: true"));
    insta::assert_snapshot!(out.normalized());
}

#[test]
fn kafka_is_checked_with_an_api_versions_round_trip() {
    require_engine!();
    let live = LiveProject::new(
        "kafka",
        "services:\n  events:\n    image: python:3.11-slim-bookworm\n    command: python3 -u /stubs/kafka_broker.py 9092\n    volumes: [\"./stubs:/stubs:ro\"]\n    port: 9092\n    health: { kafka: true }\n",
    );
    copy_fixture("protocol-stubs", &live.project.path().join("stubs"));
    healthy(&live);
    // The broker parsed the request to its last byte, as version 3 lays it out.
    let logs = live.run(["logs", "events"]).success();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        logs.stdout.contains(&format!(
            "ApiVersions v3 from stack-health (stack {version})"
        )),
        "{}",
        logs.stdout
    );
    let out = unhealthy("kafka-http", &stub("http", "kafka: true"));
    insta::assert_snapshot!(out.normalized());
}

#[test]
fn grpc_servers_are_asked_with_the_standard_health_service() {
    require_engine!();
    // One image for every case: a grpcio server whose health service says what its
    // environment tells it to.
    let service = |name: &str, check: &str, env: &str| {
        format!(
            "  {name}:\n    path: ./rpc\n    version: \"3.11\"\n    port: 50051\n    env: {{ {env} }}\n    health: {{ {check}, timeout: 20s }}\n"
        )
    };
    let live = LiveProject::new(
        "grpc",
        &format!(
            "services:\n{}{}",
            service("whole", "grpc: true", "SERVING: shop.Quotes"),
            service("named", "grpc: shop.Quotes", "SERVING: shop.Quotes"),
        ),
    );
    copy_fixture("python-grpc-health", &live.project.path().join("rpc"));
    let out = live.run(["--ca-cert", CA_BUNDLE, "up", "-d", "--progress", "plain"]);
    assert_eq!(out.code, 0, "{}", out.normalized());

    // NOT_SERVING, a name the health service does not know, no health service at all: the
    // built image is the same, so each build is the engine's cache.
    for (tag, check, env) in [
        (
            "grpc-paused",
            "grpc: shop.Paused",
            "NOT_SERVING: shop.Paused",
        ),
        ("grpc-unknown", "grpc: shop.Missing", "SERVING: shop.Quotes"),
        ("grpc-none", "grpc: true", "NO_HEALTH: \"1\""),
    ] {
        let manifest = format!("services:\n{}", service("rpc", check, env))
            .replace("timeout: 20s", "timeout: 3s");
        let live = LiveProject::new(tag, &manifest);
        copy_fixture("python-grpc-health", &live.project.path().join("rpc"));
        let out = live.run(["--ca-cert", CA_BUNDLE, "up", "-d", "--progress", "plain"]);
        assert_eq!(out.code, 5, "{}", out.normalized());
        // The build's lines (steps, cache) depend on what the engine has already; the
        // server's stdout and stderr come through two pipes.
        let out = out
            .replace_pattern(r"(?m)^rpc  (building|built.*|Step .*)\n", "")
            .logs_unordered();
        insta::assert_snapshot!(tag, out.normalized());
    }

    // An HTTP/1 server on the port: what it says to HTTP/2's preface is shown.
    let out = unhealthy(
        "grpc-http1",
        &format!(
            "services:\n  web:\n    image: {BUSYBOX}\n    command: httpd -f -p 8000\n    port: 8000\n    health: {{ grpc: true, timeout: 3s }}\n"
        ),
    );
    insta::assert_snapshot!("grpc_http1", out.normalized());
}

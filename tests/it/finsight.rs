//! The polyglot example, examples/finsight, end to end on the real engine: four toolchains
//! built from generated Dockerfiles, Postgres, Redis, RabbitMQ, a gRPC service and the
//! generated nginx gateway, each backing service checked in its own protocol; and its CI
//! job, `stack ci`, as examples/ci runs it.
//!
//! Runs scripts/base-images first (it builds the local base images only when missing), and
//! needs a network that reaches PyPI and npm when builds trust the machine's CA bundle
//! (passed with STACK_CA_CERT).

use std::net::TcpListener;
use std::path::Path;

use crate::common::{CA_BUNDLE, LiveProject, Project, http, require_engine, unique_name};

/// A copy of the example with a project name of its own (two runs on one engine must not
/// share one), the CA bundle and a free gateway port for every `stack` run; removed with
/// its images on drop. Returns it and the gateway's address.
fn finsight() -> (LiveProject, String) {
    // The base images the generated Dockerfiles start from (present: a fast no-op).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::process::Command::new(root.join("scripts/base-images"))
        .output()
        .expect("scripts/base-images runs");
    assert!(
        base.status.success(),
        "scripts/base-images failed:\n{}",
        String::from_utf8_lossy(&base.stderr)
    );
    let project = Project::copy_from(&root.join("examples/finsight"), "finsight-");
    let manifest = project.path().join("stack.yaml");
    let text = std::fs::read_to_string(&manifest).expect("the example has a stack.yaml");
    assert!(
        text.contains("\nname: finsight\n"),
        "the example names its project"
    );
    // A new name has no images yet: every service is built (from the engine's layer
    // cache where an earlier run left one).
    let name = unique_name("finsight");
    std::fs::write(
        &manifest,
        text.replace("\nname: finsight\n", &format!("\nname: {name}\n")),
    )
    .expect("write stack.yaml");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let live = LiveProject {
        project,
        name,
        env: vec![
            ("STACK_CA_CERT".to_string(), CA_BUNDLE.to_string()),
            ("FINSIGHT_PORT".to_string(), port.to_string()),
        ],
    };
    (live, format!("127.0.0.1:{port}"))
}

/// The progress lines of one service.
fn lines_of<'a>(progress: &'a str, service: &str) -> Vec<&'a str> {
    let prefix = format!("{service} ");
    progress
        .lines()
        .filter(|line| line.starts_with(&prefix))
        .collect()
}

const BUILT: [&str; 7] = [
    "api", "migrate", "predict", "ingest", "web", "consumer", "risk",
];
const ALL: [&str; 9] = [
    "api", "predict", "ingest", "web", "db", "cache", "broker", "risk", "gateway",
];

#[test]
fn the_example_builds_comes_up_and_answers_through_the_gateway() {
    require_engine!();
    let (finsight, gateway) = finsight();

    // From nothing: every image built from a generated Dockerfile, every service healthy,
    // the task completed. Services build and start side by side, so the lines are checked
    // per service, not as one snapshot.
    let cold = finsight.up().stderr;
    for service in BUILT {
        assert!(
            lines_of(&cold, service)
                .iter()
                .any(|l| l.contains("built in")),
            "{service} was not built:\n{cold}"
        );
    }
    for service in ALL {
        assert!(
            lines_of(&cold, service)
                .iter()
                .any(|l| l.contains("healthy in")),
            "{service} never reported healthy:\n{cold}"
        );
    }
    assert!(
        lines_of(&cold, "migrate")
            .iter()
            .any(|l| l.contains("completed")),
        "{cold}"
    );
    assert!(
        lines_of(&cold, "consumer")
            .iter()
            .any(|l| l.contains("running in")),
        "{cold}"
    );
    // The backing services are checked in their own protocols, from stack: no client tool
    // in the image, no command run inside it.
    let config = finsight.run(["config"]).success().stdout;
    let config: serde_json::Value = serde_json::from_str(&config).expect("JSON config");
    let check = |service: &str| config["services"][service]["health"]["check"].clone();
    assert_eq!(check("broker"), "amqp");
    assert_eq!(check("cache"), "redis");
    assert_eq!(
        check("db"),
        serde_json::json!({"postgres": {"user": "finsight"}})
    );
    assert_eq!(
        check("risk"),
        serde_json::json!({"grpc": {"service": "finsight.Risk"}})
    );

    // The CA went into the build contexts only, never into the user's tree.
    let leaked = std::process::Command::new("find")
        .arg(finsight.project.path())
        .args(["-name", "stack-ca.crt", "-o", "-name", "Dockerfile"])
        .output()
        .expect("find runs");
    assert!(leaked.status.success(), "find failed: {leaked:?}");
    assert_eq!(
        String::from_utf8_lossy(&leaked.stdout),
        "",
        "written into the tree"
    );

    // /api/: a record written to Postgres and read back.
    let (status, created) = http(
        &gateway,
        "POST",
        "/api/records",
        Some(r#"{"symbol": "acme", "amount": "12.5"}"#),
    );
    assert_eq!(status, 201, "{created}");
    let id: serde_json::Value = serde_json::from_str(&created).expect("JSON from api");
    let id = id["id"].as_i64().expect("an id");
    let (status, read) = http(&gateway, "GET", &format!("/api/records/{id}"), None);
    assert_eq!(status, 200, "{read}");
    let read: serde_json::Value = serde_json::from_str(&read).expect("JSON from api");
    assert_eq!(read["symbol"], "ACME");
    assert_eq!(read["amount"], "12.5000", "numeric(18, 4) from Postgres");

    // /predict/: Holt's forecast of a straight line continues it: computed in C.
    let (status, predicted) = http(&gateway, "GET", "/predict/forecast?values=1,2,3,4", None);
    assert_eq!(status, 200, "{predicted}");
    let predicted: serde_json::Value = serde_json::from_str(&predicted).expect("JSON");
    assert_eq!(predicted["forecast"], 5.0);
    assert!(
        predicted["kernel"]
            .as_str()
            .is_some_and(|k| k.starts_with("forecast.cpython-313") && k.ends_with(".so")),
        "{predicted}"
    );
    // The compiler was only in the build stage: the shell in the final image finds the
    // venv's python and no gcc. What it prints says so; an exit code alone would also
    // come from an `exec` that failed.
    let found = finsight.run([
        "exec",
        "predict",
        "sh",
        "-c",
        "command -v python; command -v gcc || echo no gcc",
    ]);
    assert_eq!(
        (found.code, found.stdout.as_str()),
        (0, "/opt/venv/bin/python\nno gcc\n"),
        "{}",
        found.stderr
    );

    // /ingest/: an event lands in Redis.
    let token = format!("E2E{}", std::process::id());
    let (status, queued) = http(
        &gateway,
        "POST",
        "/ingest/events",
        Some(&format!(r#"{{"symbol": "{token}", "price": 1.5}}"#)),
    );
    assert_eq!(status, 202, "{queued}");
    let last = finsight
        .run([
            "exec",
            "cache",
            "redis-cli",
            "LRANGE",
            "finsight:events",
            "-1",
            "-1",
        ])
        .success()
        .stdout;
    assert!(last.contains(&token), "the event is not in Redis: {last}");

    // The same event crossed the broker: the consumer stored its price, and api serves it
    // with the risk service's score, asked over gRPC.
    let quote = poll_quote(&gateway, &token);
    assert_eq!(quote["price"], "1.5000", "{quote}");
    assert_eq!(quote["messages"], 1, "{quote}");
    assert_eq!(quote["risk"]["model"], "risk-v1", "{quote}");
    assert_eq!(quote["risk"]["symbol"], token.as_str(), "{quote}");
    assert!(
        quote["risk"]["score"]
            .as_f64()
            .is_some_and(|s| (0.0..1.0).contains(&s)),
        "{quote}"
    );

    // /: the page, made from what the other services say.
    let (status, page) = http(&gateway, "GET", "/", None);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>finsight</h1>"), "{page}");
    assert!(page.contains("events queued"), "{page}");
    assert!(!page.contains("unavailable"), "{page}");

    // Nothing changed: nothing is built or recreated.
    let warm = finsight.up().stderr;
    assert!(!warm.contains("building"), "{warm}");
    assert!(!warm.contains("recreated"), "{warm}");
    assert!(warm.contains("ready in"), "{warm}");

    // One Python file changed: only predict is rebuilt, its dependencies from the cache.
    let main = finsight.project.path().join("predict/main.py");
    let mut source = std::fs::read_to_string(&main).expect("predict/main.py");
    source.push_str(&format!("\n# changed by the test {token}\n"));
    std::fs::write(&main, source).expect("write predict/main.py");
    let changed = finsight.up().stderr;
    let rebuilt: Vec<&str> = BUILT
        .into_iter()
        .filter(|s| lines_of(&changed, s).iter().any(|l| l.contains("built in")))
        .collect();
    assert_eq!(rebuilt, ["predict"], "{changed}");
    assert!(
        lines_of(&changed, "predict")
            .iter()
            .any(|l| l.contains("RUN pip install -r requirements.txt") && l.ends_with("(cached)")),
        "the dependency layer was not reused:\n{changed}"
    );
    assert!(
        lines_of(&changed, "predict")
            .iter()
            .any(|l| l.contains("RUN pip install --no-deps .") && !l.ends_with("(cached)")),
        "the project itself was not rebuilt:\n{changed}"
    );
    // The gateway finds the recreated service at its new address.
    let (status, health) = http(&gateway, "GET", "/predict/health", None);
    assert_eq!(status, 200, "{health}");

    finsight.run(["down", "--volumes"]).success();
}

/// The example's CI job: what examples/ci/ runs in examples/finsight, word for word.
const CI_JOB: [&str; 9] = [
    "ci",
    "--timeout",
    "10m",
    "--report",
    "junit.xml",
    "--report",
    "report.json",
    "--",
    "./tests/smoke.sh",
];

#[test]
fn the_ci_templates_run_the_job_the_tests_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    let job = format!("stack {}", CI_JOB.join(" "));
    for template in ["github-actions.yml", "gitlab-ci.yml"] {
        let text = std::fs::read_to_string(root.join(template)).expect("a template");
        assert!(text.contains(&job), "{template} does not run `{job}`");
        assert!(
            text.contains("examples/finsight"),
            "{template} does not run it in examples/finsight"
        );
    }
}

/// `GET /api/quotes/SYMBOL` through the gateway until the consumer has stored the quote
/// (404 until then); fails the test after 30 s.
fn poll_quote(gateway: &str, symbol: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, body) = http(gateway, "GET", &format!("/api/quotes/{symbol}"), None);
        if status == 200 {
            return serde_json::from_str(&body).expect("JSON from api");
        }
        assert_eq!(status, 404, "{body}");
        assert!(
            std::time::Instant::now() < deadline,
            "no quote for {symbol}: the consumer never stored it"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn the_ci_job_passes_against_a_throwaway_copy_and_leaves_nothing() {
    require_engine!();
    let (finsight, _gateway) = finsight();
    let out = finsight.run(CI_JOB);
    assert_eq!(out.code, 0, "{}", out.normalized());
    assert!(
        out.stdout.ends_with("smoke test passed\n"),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(finsight.project.path().join("junit.xml")).expect("JUnit");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML");
    let cases: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(cases.len(), 12, "11 services and the command: {xml}");
    assert!(!xml.contains("<failure"), "{xml}");
    let prefix = format!("{}-ci-", finsight.name);
    for list in [["ps", "-a"], ["network", "ls"], ["volume", "ls"]] {
        let mut args = list.to_vec();
        args.extend(["--format", "{{.Label \"dev.stack.project\"}}"]);
        let left: Vec<String> = crate::common::docker(&args)
            .lines()
            .filter(|project| project.starts_with(&prefix))
            .map(str::to_string)
            .collect();
        assert_eq!(left, Vec::<String>::new(), "left by the run: {list:?}");
    }
}

#[test]
fn the_example_deploys_to_the_swarm_healthy_and_answers_through_the_gateway() {
    require_engine!();
    if crate::common::docker(&["info", "--format", "{{.Swarm.ControlAvailable}}"]) != "true"
        && crate::common::skip(
            "the engine is not a swarm (scripts/test makes it one)",
            "STACK_TEST_ENGINE",
        )
    {
        return;
    }
    let (finsight, gateway) = finsight();
    finsight.run(["build", "--progress", "plain"]).success();
    let deployed = finsight.run(["deploy", "--swarm", "--progress", "plain"]);
    // Answers through the gateway, or the reason why not, before anything is removed.
    let answer = (deployed.code == 0).then(|| {
        http(
            &gateway,
            "POST",
            "/api/records",
            Some(r#"{"symbol": "acme", "amount": "12.5"}"#),
        )
    });
    let removed = finsight.run(["down", "--swarm", "--volumes"]);
    assert_eq!(deployed.code, 0, "{}", deployed.normalized());
    for service in ALL {
        assert!(
            lines_of(&deployed.stderr, service)
                .iter()
                .any(|l| l.contains("healthy in")),
            "{service} never reported healthy:\n{}",
            deployed.stderr
        );
    }
    assert!(
        lines_of(&deployed.stderr, "migrate")
            .iter()
            .any(|l| l.contains("completed")),
        "{}",
        deployed.stderr
    );
    let (status, created) = answer.expect("deployed");
    assert_eq!(status, 201, "{created}");
    assert_eq!(removed.code, 0, "{}", removed.normalized());
}

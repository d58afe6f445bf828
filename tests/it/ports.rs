//! URLs that stay valid: a service keeps its host port across `restart`, `stop` and
//! `start`, and recreation; a port another program took meanwhile moves, with a line that
//! says so.

use crate::common::{BUSYBOX, LiveProject, http, require_engine};

/// A web page that says `greeting`, with an HTTP check.
fn manifest(greeting: &str) -> String {
    format!(
        "services:\n  web:\n    image: {BUSYBOX}\n    command: sh -c \"mkdir -p /www && echo $$GREETING > /www/index.html && exec httpd -f -p 8080 -h /www\"\n    env: {{ GREETING: {greeting} }}\n    port: 8080\n    health: {{ http: /index.html }}\n"
    )
}

/// The URL `ps` gives for web.
fn url(live: &LiveProject) -> String {
    let out = live
        .run(["ps", "--format", "{{.URL}}"])
        .success()
        .stdout
        .trim()
        .to_string();
    assert!(out.starts_with("http://127.0.0.1:"), "{out}");
    out
}

/// What web answers at `url`.
fn page(url: &str) -> String {
    let address = url.trim_start_matches("http://");
    let (status, body) = http(address, "GET", "/index.html", None);
    assert_eq!(status, 200, "{body}");
    body.trim().to_string()
}

#[test]
fn a_restarted_a_started_and_a_recreated_service_keep_their_url() {
    require_engine!();
    let live = LiveProject::new("keepurl", &manifest("hello"));
    live.up();
    let first = url(&live);
    assert_eq!(page(&first), "hello");

    live.run(["restart", "--progress", "plain", "web"])
        .success();
    assert_eq!(url(&live), first, "restart keeps the port");
    assert_eq!(page(&first), "hello");

    live.run(["stop", "web"]).success();
    live.run(["start", "--progress", "plain", "web"]).success();
    assert_eq!(url(&live), first, "stop and start keep the port");

    // Another greeting: the container is recreated, and asks for the port it had.
    live.project.file(
        "stack.yaml",
        &format!("name: {}\n{}", live.name, manifest("bonjour")),
    );
    let up = live.up();
    assert!(
        up.stderr.contains("web  recreated (env changed)"),
        "{}",
        up.stderr
    );
    assert_eq!(url(&live), first, "recreation keeps the port");
    assert_eq!(page(&first), "bonjour");
}

#[test]
fn a_port_taken_while_the_service_was_stopped_moves_and_a_line_says_so() {
    require_engine!();
    let live = LiveProject::new("movedurl", &manifest("hello"));
    live.up();
    let first = url(&live);
    let port: u16 = first
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    live.run(["stop", "web"]).success();
    // Someone else takes the port while web is stopped.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
    let start = live.run(["start", "--progress", "plain", "web"]);
    let moved = url(&live);
    assert_ne!(moved, first);
    // The line names both ports; the summary gives the new URL.
    let out = start
        .replace(&moved.replace("http://127.0.0.1:", ""), "[NEW]")
        .replace(&port.to_string(), "[OLD]");
    insta::assert_snapshot!(out.normalized());
    assert_eq!(page(&moved), "hello");
    drop(squatter);
}

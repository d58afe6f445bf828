//! `logs` cut by time, with timestamps or without prefixes, and `ps` for people (a URL
//! column, running containers unless `-a`) and for scripts (ids, service names, JSON, a
//! `{{.Field}}` template).

use crate::common::{BUSYBOX, LiveProject, docker, require_engine};

#[test]
fn logs_are_cut_by_since_and_until_with_timestamps_or_without_prefixes() {
    require_engine!();
    // Two lines more than a second apart, then a server that keeps it running.
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo early; sleep 2; echo late; touch /tmp/done; exec httpd -f -p 8000\"\n    port: 8000\n    health: {{ cmd: \"test -f /tmp/done\" }}\n"
    );
    let live = LiveProject::new("logs", &manifest);
    live.up();
    let stamped = live.run(["logs", "-t", "api"]).success();
    let stamp_of = |word: &str| -> String {
        stamped
            .stdout
            .lines()
            .find(|line| line.ends_with(word))
            .and_then(|line| line.strip_prefix("api | "))
            .and_then(|line| line.split_whitespace().next())
            .unwrap_or_else(|| panic!("a stamped `{word}` line: {}", stamped.stdout))
            .to_string()
    };
    let (early, late) = (stamp_of("early"), stamp_of("late"));
    // The engine's own timestamp, with nanoseconds, before each line.
    assert!(
        early.len() > 20 && early.starts_with("20") && early.ends_with('Z'),
        "{early}"
    );
    let lines = |args: &[&str]| {
        let mut all = vec!["logs"];
        all.extend_from_slice(args);
        all.push("api");
        live.run(&all).success().stdout
    };
    // `--since` a line's own time shows it and what follows; `--until` the reverse.
    assert_eq!(lines(&["--since", &late]), "api | late\n");
    assert_eq!(lines(&["--until", &early]), "api | early\n");
    assert_eq!(lines(&["--since", "1h"]), "api | early\napi | late\n");
    assert_eq!(lines(&["--until", "1h"]), "");
    assert_eq!(lines(&["--no-log-prefix", "-n", "1"]), "late\n");
    // A time stack cannot read: exit code 2 and the forms it takes.
    insta::assert_snapshot!(live.run(["logs", "--since", "yesterday"]).normalized());
}

#[test]
fn ps_shows_running_containers_with_their_url_and_scripts_choose_what_they_get() {
    require_engine!();
    // web answers HTTP: an http:// URL. cache has a port and no check (TCP): its bare
    // address. seed is a task that has exited.
    let manifest = format!(
        "services:\n  seed:\n    image: {BUSYBOX}\n    command: \"true\"\n    task: true\n  cache:\n    image: {BUSYBOX}\n    command: httpd -f -p 6379\n    port: 6379\n    depends_on: [seed]\n  web:\n    image: {BUSYBOX}\n    command: sh -c \"mkdir -p /www && echo ok > /www/healthz && exec httpd -f -p 8080 -h /www\"\n    port: 8080\n    health: {{ http: /healthz }}\n    depends_on: [cache]\n"
    );
    let live = LiveProject::new("ps", &manifest);
    let up = live.up();
    // The summary, like the events, gives the cache no scheme.
    insta::assert_snapshot!("ps_up", up.normalized());
    insta::assert_snapshot!("ps_table", live.run(["ps"]).normalized());
    insta::assert_snapshot!("ps_all", live.run(["ps", "-a"]).normalized());

    let ids = live.run(["ps", "-q"]).success().stdout;
    let filter = format!("label=dev.stack.project={}", live.name);
    let mut running: Vec<String> = docker(&["ps", "-q", "--no-trunc", "--filter", &filter])
        .lines()
        .map(str::to_string)
        .collect();
    running.sort();
    let mut listed: Vec<String> = ids.lines().map(str::to_string).collect();
    listed.sort();
    assert_eq!(listed, running, "full ids of the running containers");
    assert_eq!(
        live.run(["ps", "--services"]).success().stdout,
        "cache\nweb\n"
    );
    assert_eq!(
        live.run(["ps", "-a", "--services"]).success().stdout,
        "cache\nseed\nweb\n"
    );
    insta::assert_snapshot!(
        "ps_template",
        live.run(["ps", "-a", "--format", "{{.Service}}: {{.Status}} {{.URL}}"])
            .normalized()
    );
    // Columns are as wide as the real project name, whose length varies from run to run:
    // the spaces between them are compared as one gap.
    let gaps = regex::Regex::new(" {2,}").expect("a valid pattern");
    insta::assert_snapshot!(
        "ps_table_template",
        gaps.replace_all(
            &live
                .run(["ps", "--format", "table {{.Name}}\\t{{.Health}}\\t{{.URL}}"])
                .normalized(),
            "  "
        )
    );
    let json = live.run(["ps", "--format", "json"]).success();
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let url = |service: &str| {
        rows.as_array()
            .expect("a list")
            .iter()
            .find(|row| row["service"] == service)
            .map(|row| row["url"].clone())
            .unwrap_or_else(|| panic!("{service} in {rows}"))
    };
    assert!(
        url("web")
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );
    assert!(
        url("cache")
            .as_str()
            .is_some_and(|u| u.starts_with("127.0.0.1:"))
    );
    // A template that is more than placeholders: exit code 2, the fields there are.
    insta::assert_snapshot!(
        "ps_bad_template",
        live.run(["ps", "--format", "{{json .}}"]).normalized()
    );
}

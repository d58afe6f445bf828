//! Foreground `up`: logs with service prefixes, followed across a restart; Ctrl-C stops
//! the stack gracefully.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{BUSYBOX, LiveProject, require_engine};

#[test]
fn foreground_up_follows_logs_across_a_restart_and_ctrl_c_stops_the_stack() {
    require_engine!();
    let manifest = format!(
        "services:\n  api:\n    image: {BUSYBOX}\n    command: sh -c \"echo api says hello; exec httpd -f -p 8000\"\n    port: 8000\n"
    );
    let live = LiveProject::new("fg", &manifest);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stack"))
        .args(["up", "--progress", "plain"])
        .current_dir(live.project.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stack starts");
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    for stream in [
        Box::new(stdout) as Box<dyn std::io::Read + Send>,
        Box::new(stderr),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let mut wait_for = |needle: &str, count: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while seen.iter().filter(|l: &&String| l.contains(needle)).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => seen.push(line),
                Err(_) => panic!("no `{needle}` x{count} in:\n{}", seen.join("\n")),
            }
        }
    };
    wait_for("following logs", 1);
    wait_for("api | api says hello", 1);

    live.run(["restart", "api", "--progress", "plain"])
        .success();
    wait_for("api | api says hello", 2);

    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    wait_for("api  stopped", 1);
    let code = child.wait().expect("stack exits");
    assert_eq!(code.code(), Some(0));
    let ps = live.run(["ps", "-a", "--json"]).success();
    assert!(ps.stdout.contains("\"exited\""), "{}", ps.stdout);
}

//! `stack run`: a one-off container of a service on the project's network, once its
//! dependencies are healthy, with the command's exit code, and nothing left behind with
//! `--rm`.

use crate::common::{BUSYBOX, LiveProject, Output, require_engine};

/// A store that answers on 5432 once it has written its data, and a job that reads it
/// over the project's network.
fn manifest() -> String {
    format!(
        "services:\n  store:\n    image: {BUSYBOX}\n    command: sh -c \"mkdir -p /www && echo stored > /www/data && exec httpd -f -p 5432 -h /www\"\n    port: 5432\n    health: {{ http: /data }}\n  job:\n    image: {BUSYBOX}\n    command: sh -c \"echo its own command\"\n    env: {{ STORE: http://store:5432 }}\n    depends_on: [store]\n"
    )
}

#[test]
fn run_rm_starts_the_dependencies_passes_the_exit_code_and_leaves_no_container() {
    require_engine!();
    let live = LiveProject::new("run", &manifest());
    let out = live.run([
        "run",
        "--rm",
        "--progress",
        "plain",
        "-e",
        "GREETING=hello",
        "job",
        "sh",
        "-c",
        "echo $GREETING; wget -qO- $STORE/data; echo to stderr >&2; exit 3",
    ]);
    // The store comes up first and is waited for; the job's own output on stdout and
    // stderr, its exit code 3 as stack's.
    insta::assert_snapshot!(out.normalized());
    // The store runs; the one-off container is gone, and the job never got one of its own.
    assert_eq!(live.states(), ["store running"]);

    // Without a command, the service's own; the store is kept and checked again.
    let own = live
        .run(["run", "--rm", "--progress", "plain", "job"])
        .success();
    assert_eq!(own.stdout, "its own command\n");
    assert!(
        own.stderr.contains("store  still healthy"),
        "{}",
        own.stderr
    );
    assert_eq!(live.states(), ["store running"]);

    // `-u`, `-w` and `-e` for a one-off container and for `exec` alike.
    let how = ["-u", "1000", "-w", "/tmp", "-e", "X=1"];
    let script = ["sh", "-c", "id -u; pwd; echo $X"];
    let run: Vec<&str> = ["run", "--rm", "--no-deps"]
        .into_iter()
        .chain(how)
        .chain(["job"])
        .chain(script)
        .collect();
    assert_eq!(live.run(&run).success().stdout, "1000\n/tmp\n1\n");
    let exec: Vec<&str> = ["exec"]
        .into_iter()
        .chain(how)
        .chain(["store"])
        .chain(script)
        .collect();
    assert_eq!(live.run(&exec).success().stdout, "1000\n/tmp\n1\n");
}

#[test]
fn run_passes_stdin_through_and_without_rm_leaves_a_stopped_container_that_down_removes() {
    require_engine!();
    let live = LiveProject::new("runstdin", &manifest());
    // The end of stack's input is the end of the command's: `wc` counts and returns.
    let out = Output::of(
        live.stack()
            .args(["run", "--no-deps", "--progress", "plain", "job", "sh", "-c"])
            .arg("wc -l; read -r first; echo \"first: $first\"")
            .write_stdin("one\ntwo\nthree\n"),
    );
    assert_eq!(out.code, 0, "{}", out.normalized());
    assert_eq!(out.stdout, "3\nfirst: \n");
    // `--no-deps`: the store was not started; the one-off container stays, stopped.
    assert_eq!(live.states(), ["job (run) exited"]);
    // It is not the service's container: `ps -a` does not list it, `up` would not keep it.
    let ps = live.run(["ps", "-a", "--services"]).success();
    assert_eq!(ps.stdout, "");
    // `down` removes it with the rest.
    live.run(["down"]).success();
    assert!(live.states().is_empty());
}

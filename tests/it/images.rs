//! The images stack builds: `build SERVICE` and `--no-cache`, the older content-hash
//! images cleaned up after a build (the newest three kept), `up --no-build` running what
//! is built, and `down --rmi local` removing them, never an image stack did not build.

use crate::common::{BUSYBOX, LiveProject, docker, require_engine};

/// Whether a line about `service` says `what`, whatever the padding after the name.
fn says(stderr: &str, service: &str, what: &str) -> bool {
    stderr.lines().any(|line| {
        line.strip_prefix(service)
            .is_some_and(|rest| rest.starts_with("  ") && rest.trim_start().starts_with(what))
    })
}

/// `stack-<project>-<service>:<hash>` tags of the project's images, sorted.
fn tags(live: &LiveProject, service: &str) -> Vec<String> {
    let filter = format!("label=dev.stack.project={}", live.name);
    let service_filter = format!("label=dev.stack.service={service}");
    let mut tags: Vec<String> = docker(&[
        "images",
        "--filter",
        &filter,
        "--filter",
        &service_filter,
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ])
    .lines()
    .map(str::to_string)
    .collect();
    tags.sort();
    tags
}

#[test]
fn builds_keep_the_newest_images_and_down_rmi_local_removes_what_stack_built() {
    require_engine!();
    let manifest = "services:\n  one:\n    path: ./one\n    port: 8080\n    health: { http: /index.html }\n  two:\n    path: ./two\n  cache:\n    image: stack-fixture/busybox:1\n    command: httpd -f -p 6379\n";
    let live = LiveProject::new("images", manifest);
    let dockerfile = format!(
        "FROM {BUSYBOX}\nCOPY index.html /www/index.html\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"
    );
    for service in ["one", "two"] {
        live.project
            .file(&format!("{service}/Dockerfile"), &dockerfile)
            .file(&format!("{service}/index.html"), "version 0\n");
    }
    // `build one` builds one only; a ready-made image is said to need no build.
    let first = live
        .run(["build", "--progress", "plain", "one", "cache"])
        .success();
    assert!(says(&first.stderr, "one", "built in"), "{}", first.stderr);
    assert!(!first.stderr.contains("two"), "{}", first.stderr);
    assert!(
        first.stderr.contains(
            "service `cache` runs the ready-made image stack-fixture/busybox:1: nothing to build"
        ),
        "{}",
        first.stderr
    );
    assert_eq!(tags(&live, "one").len(), 1);
    assert!(tags(&live, "two").is_empty());

    // Three more versions: each build keeps the newest three and says what it removed.
    let mut removals = Vec::new();
    for version in 1..=3 {
        live.project
            .file("one/index.html", &format!("version {version}\n"));
        let built = live.run(["build", "--progress", "plain", "one"]).success();
        removals.push(built.stderr.contains("1 older image removed"));
    }
    assert_eq!(removals, [false, false, true]);
    assert_eq!(tags(&live, "one").len(), 3);

    // A fourth through `up`, which removes the older images once the service is ready.
    live.project.file("one/index.html", "version 4\n");
    let up = live
        .run(["up", "-d", "--progress", "plain", "one"])
        .success();
    let lines: Vec<&str> = up.stderr.lines().collect();
    let at = |what: &str| lines.iter().position(|l| says(l, "one", what));
    let (healthy, removed) = (at("healthy in"), at("1 older image removed"));
    assert!(healthy.is_some() && removed > healthy, "{}", up.stderr);
    assert_eq!(tags(&live, "one").len(), 3);

    // `--no-cache` builds again what is up to date, every step without the layer cache.
    let again = live
        .run(["build", "--progress", "plain", "--no-cache", "one"])
        .success();
    assert!(says(&again.stderr, "one", "built in"), "{}", again.stderr);
    assert!(!again.stderr.contains("(cached)"), "{}", again.stderr);
    assert!(
        says(&again.stderr, "one", "Step 2/3 : COPY"),
        "{}",
        again.stderr
    );

    // A source change with `--no-build`: nothing is built, the newest image runs, and a
    // warning says so; a service never built is an error that says how to build it.
    live.project.file("one/index.html", "version 5\n");
    let refused = live.run(["up", "-d", "--progress", "plain", "--no-build"]);
    insta::assert_snapshot!("no_build_unbuilt", refused.normalized());
    let up = live
        .run(["up", "-d", "--progress", "plain", "--no-build", "one"])
        .success();
    assert!(!up.stderr.contains("building"), "{}", up.stderr);
    assert!(
        up.stderr.contains("its sources changed since stack-"),
        "{}",
        up.stderr
    );
    let url = live
        .run(["ps", "--format", "{{.URL}}"])
        .success()
        .stdout
        .trim()
        .trim_start_matches("http://")
        .to_string();
    let (_, body) = crate::common::http(&url, "GET", "/index.html", None);
    assert_eq!(
        body, "version 4\n",
        "the newest image built, not the sources"
    );

    // `run` builds what changed before its one-off container starts, and leaves the
    // service's own container as it is.
    let id = docker(&["inspect", "-f", "{{.Id}}", &format!("{}-one", live.name)]);
    let ran = live
        .run([
            "run",
            "--rm",
            "--progress",
            "plain",
            "one",
            "cat",
            "/www/index.html",
        ])
        .success();
    assert_eq!(ran.stdout, "version 5\n");
    assert!(says(&ran.stderr, "one", "built in"), "{}", ran.stderr);
    assert_eq!(
        docker(&["inspect", "-f", "{{.Id}}", &format!("{}-one", live.name)]),
        id
    );
    let (_, body) = crate::common::http(&url, "GET", "/index.html", None);
    assert_eq!(
        body, "version 4\n",
        "the running service is not recreated by `run`"
    );

    // `down --rmi local` removes the containers and every image stack built for the
    // project; the ready-made image stays.
    let down = live.run(["down", "--rmi", "local"]);
    insta::assert_snapshot!("down_rmi_local", down.normalized());
    assert!(tags(&live, "one").is_empty(), "{:?}", tags(&live, "one"));
    let filter = format!("label=dev.stack.project={}", live.name);
    assert_eq!(docker(&["images", "-q", "--filter", &filter]), "");
    assert_ne!(docker(&["images", "-q", BUSYBOX]), "");
    // `--rmi` takes what stack can remove without touching others' images.
    let all = live.run(["down", "--rmi", "all"]);
    assert_eq!(all.code, 2, "{}", all.normalized());
}

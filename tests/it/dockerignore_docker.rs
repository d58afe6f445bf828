//! stack's `.dockerignore` matching against the real thing: the same tree is built by the
//! docker CLI's classic builder and by `stack build`, and the files in the images must agree.

use std::collections::BTreeSet;
use std::process::Command;

use crate::common::{Project, docker, require_engine};

/// Every rule shape Docker documents, plus the quirks (anchoring, the excluded-directory skip).
const DOCKERIGNORE: &str = "\
# comments and blank lines are ignored

*.md
!README.md
**/*.pyc
/build/
docs/**
!docs/keep/**
foo
logs
!logs/keep.txt
vendor
!**/*.go
?.tmp
data[0-9].csv
./src/../secret.env
";

const FILES: &[&str] = &[
    "README.md",
    "CHANGES.md",
    "sub/NOTES.md",
    "app.py",
    "app.pyc",
    "pkg/deep/mod.pyc",
    "pkg/deep/mod.py",
    "build/out.bin",
    "src/build/keep.py",
    "docs/guide/a.txt",
    "docs/keep/b.txt",
    "foo",
    "src/foo",
    "logs/keep.txt",
    "logs/drop.txt",
    "vendor/lib/x.go",
    "main.go",
    "a.tmp",
    "ab.tmp",
    "data1.csv",
    "datax.csv",
    "secret.env",
    "src/main.py",
];

#[test]
fn the_context_matches_what_docker_build_sends() {
    require_engine!();
    let project = Project::new();
    for file in FILES {
        project.file(file, "x\n");
    }
    project.file(".dockerignore", DOCKERIGNORE);
    project.file("Dockerfile", "FROM stack-fixture/busybox:1\nCOPY . /ctx\n");
    std::os::unix::fs::symlink("app.py", project.path().join("link.py")).expect("symlink");

    let name = format!("it-dockerignore-{}", std::process::id());
    project.file(
        "stack.yaml",
        &format!("name: {name}\nservices:\n  ctx: {{ path: . }}\n"),
    );

    let tag = format!("stack-test-dockerignore:{}", std::process::id());
    let build = Command::new("docker")
        .args(["build", "-q", "-t", &tag, "."])
        .current_dir(project.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("the docker CLI runs");
    assert!(
        build.status.success(),
        "docker build failed: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    let theirs = files_in(&tag);
    let _ = Command::new("docker").args(["rmi", "-f", &tag]).output();

    let built = project
        .stack()
        .args(["build", "--progress", "plain"])
        .output()
        .expect("stack runs");
    assert!(
        built.status.success(),
        "stack build failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let label = format!("label=dev.stack.project={name}");
    let image = docker(&["images", "-q", "--filter", &label]);
    assert!(!image.is_empty(), "stack build tagged no image for {name}");
    let ours = files_in(&image);
    let _ = Command::new("docker").args(["rmi", "-f", &image]).output();

    assert_eq!(ours, theirs, "stack's context differs from docker build's");
    // Guard against both sides agreeing on something trivial.
    assert!(theirs.contains("README.md") && !theirs.contains("CHANGES.md"));
    assert!(theirs.contains("logs/keep.txt") && !theirs.contains("logs/drop.txt"));
    assert!(theirs.contains("src/foo") && !theirs.contains("foo"));
}

/// The files under /ctx in `image`, relative to it.
fn files_in(image: &str) -> BTreeSet<String> {
    let listing = Command::new("docker")
        .args(["run", "--rm", image, "find", "/ctx", "!", "-type", "d"])
        .output()
        .expect("the docker CLI runs");
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|line| line.trim_start_matches("/ctx/").to_string())
        .collect()
}

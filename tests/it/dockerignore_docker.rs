//! stack's `.dockerignore` matching against the real thing: the same tree is built by the
//! docker CLI's classic builder and by `stack build`, and the files in the images must agree;
//! and a generated image holds the service's files but none of its secrets.

use std::collections::BTreeSet;
use std::process::Command;

use crate::common::{LiveProject, Project, docker, require_engine};

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

/// Secrets a real service directory holds, at the top and deeper down.
const SECRETS: &[&str] = &[
    ".env",
    ".env.production",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "credentials.json",
    "deploy/id_ed25519",
    "deploy/id_rsa",
    "deploy/.ssh/id_ecdsa",
    ".aws/credentials",
    "tls/server.key",
    "tls/server.pem",
    "tls/bundle.p12",
    "config/gcp/credentials-prod.json",
];

#[test]
fn a_generated_image_holds_the_source_but_no_secret() {
    require_engine!();
    let live = LiveProject::new(
        "secrets",
        "services:
  worker:
    path: ./worker
    version: \"3.11\"
    env: { SSL_CERT_FILE: /app/certs/corp-ca.pem }
",
    );
    let project = &live.project;
    // A Python script without dependencies: the build needs no network.
    project.file("worker/requirements.txt", "# standard library only\n");
    project.file("worker/main.py", "print('working')\n");
    project.file("worker/jobs/report.py", "def run():\n    return 1\n");
    project.file("worker/certs/corp-ca.pem", "-----BEGIN CERTIFICATE-----\n");
    for secret in SECRETS {
        project.file(&format!("worker/{secret}"), "secret\n");
    }
    live.run(["build", "--progress", "plain"]).success();
    let label = format!("label=dev.stack.project={}", live.name);
    let image = docker(&["images", "-q", "--filter", &label]);
    assert!(!image.is_empty(), "stack build tagged no image");
    let files = files_under(&image, "/app");
    for kept in [
        "main.py",
        "jobs/report.py",
        "requirements.txt",
        "certs/corp-ca.pem",
    ] {
        assert!(files.contains(kept), "{kept} is missing from {files:?}");
    }
    for secret in SECRETS {
        assert!(!files.contains(*secret), "{secret} is in the image");
    }
}

/// The files under /ctx in `image`, relative to it.
fn files_in(image: &str) -> BTreeSet<String> {
    files_under(image, "/ctx")
}

/// The files under `dir` in `image`, relative to it.
fn files_under(image: &str, dir: &str) -> BTreeSet<String> {
    let listing = Command::new("docker")
        .args(["run", "--rm", image, "find", dir, "!", "-type", "d"])
        .output()
        .expect("the docker CLI runs");
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|line| {
            line.trim_start_matches(dir)
                .trim_start_matches('/')
                .to_string()
        })
        .collect()
}

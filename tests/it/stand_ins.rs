//! `stack doctor` names the local stand-ins scripts/base-images made under official names,
//! so nobody mistakes them for the real images; images built on them are not stand-ins.

use std::process::{Command, Stdio};

use crate::common::{BUSYBOX, Project, docker, require_engine};

/// Builds `tag` from `dockerfile` (no context).
fn build(tag: &str, dockerfile: &str) {
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .env("DOCKER_BUILDKIT", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("docker runs");
    std::io::Write::write_all(
        &mut child.stdin.take().expect("piped"),
        dockerfile.as_bytes(),
    )
    .expect("write the Dockerfile");
    assert!(child.wait().expect("docker finishes").success(), "{tag}");
}

#[test]
fn doctor_lists_stand_in_images_but_not_what_was_built_on_them() {
    require_engine!();
    let stand_in = format!("stack-test-stand-in:{}", std::process::id());
    let child = format!("stack-test-built-on-stand-in:{}", std::process::id());
    build(
        &stand_in,
        &format!("FROM {BUSYBOX}\nLABEL dev.stack.stand-in=\"{stand_in}\"\n"),
    );
    build(&child, &format!("FROM {stand_in}\nCMD [\"true\"]\n"));
    let out = Project::new().run(["doctor"]);
    let _ = docker(&["image", "rm", &child, &stand_in]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("images    !!  local stand-ins under official names"))
        .unwrap_or_else(|| panic!("no stand-in line: {}", out.stdout));
    assert!(line.contains(&stand_in), "{line}");
    assert!(!line.contains(&child), "{line}");
}

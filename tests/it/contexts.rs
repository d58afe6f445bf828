//! Packing build contexts under a low process limit: many services, few threads allowed.

use crate::common::{BUSYBOX, Project, require_engine, unique_name};

#[test]
fn sixty_services_are_planned_under_a_pids_limit_of_twelve() {
    require_engine!();
    let project = Project::new();
    let mut manifest = format!("name: {}\nservices:\n", unique_name("pids"));
    for n in 1..=60 {
        project.file(
            &format!("s{n}/Dockerfile"),
            &format!("FROM {BUSYBOX}\nCMD [\"true\"]\n"),
        );
        manifest.push_str(&format!("  s{n}: {{ path: ./s{n} }}\n"));
    }
    project.file("stack.yaml", &manifest);
    // One thread per service asked the OS for 60 threads here, and the refused one panicked.
    let binary = env!("CARGO_BIN_EXE_stack");
    let out = std::process::Command::new("docker")
        .args([
            "run",
            "--rm",
            "--pids-limit",
            "12",
            "-v",
            &format!("{binary}:/stack:ro"),
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
            "-v",
            &format!("{}:/p", project.path().display()),
            "-w",
            "/p",
            "debian:bookworm-slim",
            "/stack",
            "plan",
        ])
        .output()
        .expect("docker runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("  s60  create\n"), "{stdout}");
}

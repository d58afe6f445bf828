//! `stack export kubernetes` output, checked the way a cluster would read it: `kubectl
//! kustomize` over every kustomization, then `kubernetes-validate --strict` against the
//! pinned Kubernetes version. scripts/test installs both; without them these tests skip.

use std::path::Path;

use crate::common::{Project, skip};

/// The Kubernetes version exports are typed for (k8s-openapi's feature in Cargo.toml).
const KUBERNETES: &str = "1.33.0";

fn tools_missing() -> bool {
    let answers = |program: &str, arg: &str| {
        std::process::Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    !(answers("kubectl", "version") || answers("kubectl", "help"))
        || !answers("kubernetes-validate", "--version")
}

/// Builds and validates every kustomization under `dir`; panics with what failed.
fn validate(dir: &Path) {
    let roots = [
        "base",
        "overlays/dev",
        "overlays/prod",
        "gateway/ingress",
        "gateway/nginx",
    ];
    let mut checked = 0;
    for root in roots {
        let root = dir.join(root);
        if !root.join("kustomization.yaml").is_file() {
            continue;
        }
        let built = std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(&root)
            .output()
            .expect("kubectl runs");
        assert!(
            built.status.success(),
            "kubectl kustomize {}: {}",
            root.display(),
            String::from_utf8_lossy(&built.stderr)
        );
        let file = root.join("built.yaml");
        std::fs::write(&file, &built.stdout).expect("write the built manifests");
        let validated = std::process::Command::new("kubernetes-validate")
            .args(["--strict", "-k", KUBERNETES])
            .arg(&file)
            .output()
            .expect("kubernetes-validate runs");
        assert!(
            validated.status.success(),
            "kubernetes-validate {}:\n{}{}",
            root.display(),
            String::from_utf8_lossy(&validated.stdout),
            String::from_utf8_lossy(&validated.stderr)
        );
        std::fs::remove_file(&file).expect("remove the built manifests");
        checked += 1;
    }
    assert!(
        checked >= 3,
        "only {checked} kustomizations under {}",
        dir.display()
    );
}

#[test]
fn finsight_exports_manifests_that_pass_strict_validation() {
    if tools_missing()
        && skip(
            "no kubectl or kubernetes-validate (scripts/test installs them)",
            "STACK_TEST_ENGINE",
        )
    {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = Project::copy_from(&root.join("examples/finsight"), "finsight-");
    let out = project.run([
        "export",
        "kubernetes",
        "-o",
        "out",
        "--registry",
        "127.0.0.1:5000/team",
    ]);
    assert_eq!(out.code, 0, "{}", out.normalized());
    assert!(
        out.stderr
            .contains("init containers: waits for db, runs migrate"),
        "{}",
        out.stderr
    );
    validate(&project.path().join("out"));
}

#[test]
fn every_skeleton_exports_manifests_that_pass_strict_validation() {
    if tools_missing()
        && skip(
            "no kubectl or kubernetes-validate (scripts/test installs them)",
            "STACK_TEST_ENGINE",
        )
    {
        return;
    }
    let project = Project::new();
    let skeletons = [
        ("fastapi", "--lang python --framework fastapi"),
        ("flask", "--lang python --framework flask --version 3.11"),
        ("django", "--lang python --framework django"),
        ("express", "--lang node --version 18"),
        ("stdlib", "--lang go"),
        ("axum", "--lang rust --version 1.95"),
        ("httpserver", "--lang java --version 17"),
    ];
    for (name, args) in skeletons {
        let mut argv = vec!["new", "service", name];
        argv.extend(args.split_whitespace());
        let made = project.run(argv);
        assert_eq!(made.code, 0, "{}", made.normalized());
    }
    let out = project.run(["export", "kubernetes", "-o", "out"]);
    assert_eq!(out.code, 0, "{}", out.normalized());
    for (name, _) in skeletons {
        assert!(
            project
                .path()
                .join(format!("out/base/{name}-deployment.yaml"))
                .is_file(),
            "{name}: {}",
            out.stderr
        );
    }
    validate(&project.path().join("out"));
}

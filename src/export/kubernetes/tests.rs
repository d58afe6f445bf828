//! The Kubernetes export of examples/finsight, as files and as what a cluster would do
//! with them: start order, readiness, one claim per volume.

use std::collections::BTreeMap;
use std::path::Path;

use crate::export::artifact::{Artifact, Artifacts, User};
use crate::export::kubernetes::check::{Objects, check};
use crate::export::kubernetes::kustomize::{Tree, render};
use crate::manifest::load::load;
use crate::manifest::project::Manifest;
use crate::manifest::service::Source;

fn finsight() -> Manifest {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/finsight/stack.yaml");
    load(&file, Path::new("stack.yaml"), &BTreeMap::new()).expect("the example is valid")
}

/// Built images in a registry with a fixed hash; ready-made ones as written.
fn artifacts(manifest: &Manifest) -> Artifacts {
    manifest
        .services
        .values()
        .map(|service| {
            let artifact = match &service.source {
                Source::Build { .. } => Artifact {
                    image: format!("127.0.0.1:5000/team/finsight-{}:0123456789ab", service.name),
                    user: User::Numeric {
                        uid: 10001,
                        gid: Some(10001),
                    },
                    built: true,
                },
                Source::Image(image) => Artifact {
                    image: image.clone(),
                    user: User::Unknown,
                    built: false,
                },
            };
            (service.name.clone(), artifact)
        })
        .collect()
}

fn exported() -> Tree {
    let manifest = finsight();
    render(&manifest, &artifacts(&manifest)).expect("finsight passes stack's own checks")
}

fn yaml(tree: &Tree, path: &str) -> serde_json::Value {
    let text = tree
        .files
        .get(path)
        .unwrap_or_else(|| panic!("{path} is exported: {:?}", tree.files.keys()));
    serde_saphyr::from_str(text).expect("exported YAML parses")
}

#[test]
fn the_translation_keeps_start_order_readiness_and_one_claim_per_volume() {
    let tree = exported();
    // migrate runs before api starts, after db answers: init containers run in order.
    let api = yaml(&tree, "base/api-deployment.yaml");
    let pod = &api["spec"]["template"]["spec"];
    let init: Vec<&str> = pod["initContainers"]
        .as_array()
        .expect("api has init containers")
        .iter()
        .map(|c| c["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(init, ["wait-for-db", "migrate", "wait-for-risk"]);
    assert_eq!(
        pod["initContainers"][1]["args"],
        serde_json::json!(["python", "migrate.py"])
    );
    assert!(
        !tree.files.contains_key("base/migrate-job.yaml"),
        "a task something depends on is not also a Job"
    );
    // Every HTTP service is ready when its own check passes.
    for service in ["api", "predict", "ingest", "web"] {
        let deployment = yaml(&tree, &format!("base/{service}-deployment.yaml"));
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            container["readinessProbe"]["httpGet"]["path"], "/health",
            "{service}"
        );
        assert_eq!(
            container["startupProbe"]["httpGet"]["path"], "/health",
            "{service}"
        );
        assert_eq!(
            container["readinessProbe"]["httpGet"]["port"], container["ports"][0]["containerPort"],
            "{service}"
        );
    }
    // db: its postgres check is a TCP connect to Kubernetes; one claim for pgdata, which
    // db mounts.
    let db = yaml(&tree, "base/db-deployment.yaml");
    let db_pod = &db["spec"]["template"]["spec"];
    assert_eq!(
        db_pod["containers"][0]["readinessProbe"]["tcpSocket"]["port"],
        5432
    );
    // risk: the same gRPC health check, by the kubelet.
    let risk = yaml(&tree, "base/risk-deployment.yaml");
    assert_eq!(
        risk["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"],
        serde_json::json!({"port": 50051, "service": "finsight.Risk"})
    );
    assert_eq!(
        db_pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "pgdata"
    );
    assert_eq!(db["spec"]["strategy"]["type"], "Recreate");
    let claims: Vec<&String> = tree
        .files
        .keys()
        .filter(|p| p.ends_with("-pvc.yaml"))
        .collect();
    assert_eq!(claims, ["base/pgdata-pvc.yaml"]);
    // web waits for the three services it calls.
    let web = yaml(&tree, "base/web-deployment.yaml");
    let waits: Vec<&str> = web["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .expect("web waits")
        .iter()
        .map(|c| c["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        waits,
        ["wait-for-api", "wait-for-predict", "wait-for-ingest"]
    );
}

#[test]
fn the_gateway_strips_prefixes_as_stack_up_does() {
    let tree = exported();
    let api = yaml(&tree, "gateway/ingress/gateway-api-ingress.yaml");
    let annotations = &api["metadata"]["annotations"];
    assert_eq!(
        annotations["nginx.ingress.kubernetes.io/rewrite-target"],
        "/$2"
    );
    assert_eq!(
        annotations["nginx.ingress.kubernetes.io/x-forwarded-prefix"],
        "/api"
    );
    let path = &api["spec"]["rules"][0]["http"]["paths"][0];
    assert_eq!(path["path"], "/api(/|$)(.*)");
    assert_eq!(path["backend"]["service"]["name"], "api");
    let root = yaml(&tree, "gateway/ingress/gateway-ingress.yaml");
    assert_eq!(root["metadata"]["annotations"], serde_json::Value::Null);
    assert_eq!(root["spec"]["rules"][0]["http"]["paths"][0]["path"], "/");
}

#[test]
fn finsight_exports_these_files() {
    let tree = exported();
    let mut all = String::new();
    for (path, text) in &tree.files {
        all.push_str(&format!("=== {path}\n{text}"));
    }
    insta::assert_snapshot!("files", all);
    insta::assert_snapshot!("report", tree.report.render());
}

#[test]
fn the_own_checks_find_what_schemas_miss() {
    let manifest = finsight();
    let tree = render(&manifest, &artifacts(&manifest)).expect("sound");
    let mut objects = Objects::default();
    let mut api: k8s_openapi::api::apps::v1::Deployment =
        serde_saphyr::from_str(&tree.files["base/api-deployment.yaml"]).expect("parses");
    let spec = api.spec.as_mut().expect("a spec");
    spec.selector.match_labels = Some(BTreeMap::from([("app".to_string(), "x".to_string())]));
    let pod = spec.template.spec.as_mut().expect("a pod");
    pod.containers[0].ports = None;
    pod.containers[0].name = "API_Server".to_string();
    objects.deployments.push(api);
    let problems = check(&objects);
    insta::assert_snapshot!(problems.join("\n"));
}

//! What a change means for services detected from the fixtures under `tests/fixtures`,
//! and how a batch becomes updates: no engine, no file events.

use std::path::{Path, PathBuf};

use crate::build::context::DockerfileSource;
use crate::build::dockerfile::dockerfile_source;
use crate::manifest::service::{Service, Source};
use crate::manifest::watch::{WatchAction, WatchRule};
use crate::watch::rules::{Defaults, Effect, ServiceWatch, Then};
use crate::watch::update::updates;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture as service `app`, after `tweak`, with what it is built from.
fn service(name: &str, tweak: impl FnOnce(&mut Service)) -> (Service, DockerfileSource) {
    let mut service = Service::built_from("app", &fixture(name));
    tweak(&mut service);
    let source = dockerfile_source(&service, b"").expect("the fixture is detected");
    (service, source)
}

fn watch_of(name: &str, tweak: impl FnOnce(&mut Service)) -> ServiceWatch {
    let (service, source) = service(name, tweak);
    ServiceWatch::new(&service, Some(&source), &[]).expect("the context rules read")
}

fn dev(name: &str) -> Option<Vec<String>> {
    match service(name, |_| {}).1 {
        DockerfileSource::Generated(rendered) => rendered.detection.dev().map(|d| d.command),
        DockerfileSource::Own(_) => None,
    }
}

fn effect(watch: &ServiceWatch, fixture_name: &str, path: &str) -> Option<Effect> {
    watch.effect(&fixture(fixture_name).join(path))
}

fn sync(container: &str, then: Then) -> Option<Effect> {
    Some(Effect::Sync {
        container: container.to_string(),
        then,
    })
}

#[test]
fn frameworks_run_their_reloader_under_watch() {
    let words = |w: &[&str]| Some(w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        dev("python-flask"),
        words(&[
            "env",
            "FLASK_APP=app:app",
            "FLASK_DEBUG=1",
            "flask",
            "run",
            "--host",
            "0.0.0.0",
            "--port",
            "5000"
        ])
    );
    assert_eq!(
        dev("python-django"),
        words(&["python", "manage.py", "runserver", "0.0.0.0:8000"])
    );
    assert_eq!(
        dev("node-express-npm"),
        words(&["node", "--watch", "server.js"])
    );
    // Compiled, built, or run as a script: nothing reloads in the image.
    for fixture in ["go-root", "node-build", "python-grpc-email", "python-plain"] {
        assert_eq!(dev(fixture), None, "{fixture}");
    }
}

#[test]
fn interpreted_sources_sync_and_dependency_files_rebuild() {
    let flask = watch_of("python-flask", |_| {});
    assert!(matches!(
        flask.defaults,
        Defaults::Sync { restart: false, .. }
    ));
    assert_eq!(
        effect(&flask, "python-flask", "app.py"),
        sync("/app/app.py", Then::Reload)
    );
    assert_eq!(
        effect(&flask, "python-flask", "templates/index.html"),
        sync("/app/templates/index.html", Then::Reload)
    );
    for rebuilds in ["requirements.txt", ".python-version", "Dockerfile"] {
        assert_eq!(
            effect(&flask, "python-flask", rebuilds),
            Some(Effect::Rebuild),
            "{rebuilds}"
        );
    }
    // Left out of the image: the generated .dockerignore, the secret rules, .git.
    for ignored in [
        "__pycache__/app.pyc",
        ".venv/bin/python",
        ".env",
        ".git/HEAD",
    ] {
        assert_eq!(effect(&flask, "python-flask", ignored), None, "{ignored}");
    }
    assert!(!flask.wants_dir(&fixture("python-flask").join(".venv")));
    assert!(!flask.wants_dir(&fixture("python-flask").join(".git")));
    assert!(flask.wants_dir(&fixture("python-flask").join("templates")));

    let node = watch_of("node-express-npm", |_| {});
    assert_eq!(
        effect(&node, "node-express-npm", "server.js"),
        sync("/app/server.js", Then::Reload)
    );
    assert_eq!(
        effect(&node, "node-express-npm", "package-lock.json"),
        Some(Effect::Rebuild)
    );
    assert_eq!(
        effect(&node, "node-express-npm", "node_modules/x/i.js"),
        None
    );
}

#[test]
fn a_front_end_runs_its_dev_server_on_the_deps_stage() {
    let (_, source) = service("node-vite-react", |_| {});
    let DockerfileSource::Generated(rendered) = source else {
        panic!("a generated Dockerfile");
    };
    let dev = rendered.detection.dev().expect("a dev server");
    assert_eq!(dev.target, Some("deps"));
    assert_eq!(
        dev.command,
        ["npx", "vite", "--host", "0.0.0.0", "--port", "3000"]
    );
    assert!(rendered.dockerfile.contains("AS deps\n"));
    let watch = watch_of("node-vite-react", |_| {});
    assert_eq!(
        effect(&watch, "node-vite-react", "src/App.jsx"),
        sync("/app/src/App.jsx", Then::Reload)
    );
    assert_eq!(
        effect(&watch, "node-vite-react", "package.json"),
        Some(Effect::Rebuild)
    );
    // Its own `command` runs on the runtime image, which holds the built site only.
    let command = watch_of("node-vite-react", |s| {
        s.command = Some(vec!["nginx".to_string()]);
    });
    assert_eq!(command.defaults, Defaults::Rebuild);
}

#[test]
fn without_a_reloader_the_container_restarts() {
    let script = watch_of("python-grpc-email", |_| {});
    assert_eq!(
        effect(&script, "python-grpc-email", "email_server.py"),
        sync("/app/email_server.py", Then::Restart)
    );
    // The manifest's own command runs as written: no reloader is added to it.
    let command = watch_of("python-flask", |s| {
        s.command = Some(vec!["gunicorn".to_string(), "app:app".to_string()]);
    });
    assert_eq!(
        effect(&command, "python-flask", "app.py"),
        sync("/app/app.py", Then::Restart)
    );
}

#[test]
fn compiled_built_and_installed_services_rebuild() {
    for (name, file) in [
        ("go-root", "main.go"),
        ("node-build", "src/index.ts"),
        ("python-native-c", "app.py"),
        ("python-plain", "main.py"),
    ] {
        let watch = watch_of(name, |_| {});
        assert_eq!(watch.defaults, Defaults::Rebuild, "{name}");
        assert_eq!(effect(&watch, name, file), Some(Effect::Rebuild), "{name}");
    }
    let task = watch_of("python-flask", |s| s.task = true);
    assert_eq!(task.defaults, Defaults::Nothing);
    assert!(task.roots().is_empty(), "a task is not watched");
}

fn rule(path: PathBuf, action: WatchAction, target: Option<&str>, ignore: &[&str]) -> WatchRule {
    WatchRule {
        path,
        action,
        target: target.map(str::to_string),
        ignore: ignore.iter().map(|s| s.to_string()).collect(),
        exec: (action == WatchAction::SyncExec).then(|| vec!["make".to_string()]),
        line: 1,
    }
}

#[test]
fn the_most_specific_rule_decides_and_the_rest_keep_the_defaults() {
    let dir = fixture("python-flask");
    let watch = watch_of("python-flask", |s| {
        s.watch = vec![
            rule(dir.join("static"), WatchAction::SyncExec, None, &[]),
            rule(
                dir.join("static/css"),
                WatchAction::Sync,
                Some("/srv/css"),
                &["*.map"],
            ),
            rule(dir.join("jobs.py"), WatchAction::Restart, None, &[]),
        ];
    });
    assert_eq!(
        effect(&watch, "python-flask", "static/css/site.css"),
        sync("/srv/css/site.css", Then::Reload)
    );
    assert_eq!(
        effect(&watch, "python-flask", "static/css/site.css.map"),
        None
    );
    assert_eq!(
        effect(&watch, "python-flask", "static/app.js"),
        sync("/app/static/app.js", Then::Exec(vec!["make".to_string()]))
    );
    assert_eq!(
        effect(&watch, "python-flask", "jobs.py"),
        Some(Effect::Restart)
    );
    assert_eq!(
        effect(&watch, "python-flask", "app.py"),
        sync("/app/app.py", Then::Reload)
    );
}

#[test]
fn an_image_service_follows_its_rules_only() {
    let project = tempfile::tempdir().expect("tempdir");
    let site = project.path().join("site");
    let mut service = Service::new("web", Source::Image("nginx:1.22".to_string()));
    service.watch = vec![rule(site.clone(), WatchAction::Sync, Some("/www"), &[])];
    let watch = ServiceWatch::new(&service, None, &[]).expect("no context to read");
    assert_eq!(
        watch.roots(),
        [project.path().to_path_buf()],
        "site does not exist yet"
    );
    assert_eq!(
        watch.effect(&site.join("a/index.html")),
        sync("/www/a/index.html", Then::Reload)
    );
    assert_eq!(watch.effect(&project.path().join("other.txt")), None);
}

#[test]
fn a_batch_becomes_the_smallest_update_per_service() {
    let root = fixture("python-flask");
    let flask = watch_of("python-flask", |_| {});
    let script = watch_of("python-grpc-email", |_| {});
    let other = fixture("python-grpc-email");
    let gone = |path: &Path| !path.ends_with("old.py");
    let batch = [
        root.join("app.py"),
        root.join("old.py"),
        other.join("logger.py"),
    ];
    let out = updates(&[flask.clone(), script], &batch, &root, gone);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].copies.len(), 1);
    assert_eq!(out[0].deletes, ["/app/old.py"]);
    assert_eq!(out[0].restart, None, "the reloader takes it");
    assert_eq!(out[1].restart.as_deref(), Some("logger.py changed"));
    // A rebuild takes in everything else of its service.
    let batch = [root.join("app.py"), root.join("requirements.txt")];
    let out = updates(&[flask], &batch, &root, |_| true);
    assert_eq!(out[0].rebuild.as_deref(), Some("requirements.txt changed"));
    assert!(out[0].copies.is_empty());
}

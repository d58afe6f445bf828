//! Fixtures detected from their code, brought up for real: each builds from its generated
//! Dockerfile (pip and npm through this machine's CA bundle), comes up healthy on the port
//! its code chose, and answers. Native parts compile in the build stage and leave no
//! compiler in the image. Maven and Gradle fixtures are not here: this machine has no
//! Maven Central and no Maven or Gradle image.

use crate::common::{CA_BUNDLE, LiveProject, copy_fixture, docker, http, require_engine};

/// A project with the fixture copied as `dir` and `manifest` as its services.
fn live(tag: &str, fixture: &str, dir: &str, manifest: &str) -> LiveProject {
    let live = LiveProject::new(tag, manifest);
    copy_fixture(fixture, &live.project.path().join(dir));
    live
}

/// `up -d` with the CA bundle, asserting success.
fn up(live: &LiveProject) {
    let up = live.run(["--ca-cert", CA_BUNDLE, "up", "-d", "--progress", "plain"]);
    assert_eq!(up.code, 0, "{}", up.normalized());
}

/// The host address of `service`'s published `port`.
fn address(live: &LiveProject, service: &str, port: u16) -> String {
    let container = format!("{}-{service}", live.name);
    let published = docker(&["port", &container, &format!("{port}/tcp")]);
    published
        .lines()
        .find(|line| line.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("{service} publishes {port}: {published}"))
        .to_string()
}

/// The compilers left in `service`'s image: none, if the build stage kept them.
fn compilers_in(live: &LiveProject, service: &str) -> String {
    let filter = format!("label=dev.stack.service={service}");
    let project = format!("label=dev.stack.project={}", live.name);
    let image = docker(&["images", "-q", "--filter", &project, "--filter", &filter]);
    docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        &image,
        "-c",
        "for tool in gcc cc g++ c++ clang rustc cargo cmake make; do command -v $tool || true; done",
    ])
}

#[test]
fn python_apps_found_by_reading_their_code_come_up_on_their_ports() {
    require_engine!();
    let live = live(
        "detect-python",
        "python-flask-hello",
        "hello",
        "services:\n  hello: { path: ./hello, port: 8080 }\n  email: { path: ./email, port: 8080, depends_on: [hello] }\n",
    );
    copy_fixture("python-grpc-email", &live.project.path().join("email"));
    up(&live);
    let (status, body) = http(&address(&live, "hello", 8080), "GET", "/greet/stack", None);
    assert_eq!(
        (status, body.trim()),
        (200, r#"{"message":"Hello, stack!"}"#)
    );
    let ps = live.run(["ps", "--json"]).success().stdout;
    assert_eq!(ps.matches("\"healthy\"").count(), 2, "{ps}");
}

#[test]
fn a_flask_factory_is_served_by_gunicorn() {
    require_engine!();
    let live = live(
        "detect-factory",
        "python-flask-factory",
        "books",
        "services:\n  books: { path: ./books, port: 5000 }\n",
    );
    up(&live);
    let (status, body) = http(&address(&live, "books", 5000), "GET", "/books/2", None);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Designing Data-Intensive Applications"),
        "{body}"
    );
}

#[test]
fn a_create_react_app_is_served_static_with_its_routes_falling_back_to_index_html() {
    require_engine!();
    let live = live(
        "detect-cra",
        "node-cra",
        "storefront",
        "services:\n  storefront: { path: ./storefront, port: 3000 }\n",
    );
    up(&live);
    let at = address(&live, "storefront", 3000);
    let (status, page) = http(&at, "GET", "/", None);
    assert_eq!(status, 200);
    assert!(page.contains("<div id=\"root\"></div>"), "{page}");
    assert!(
        page.contains("/static/js/main."),
        "the built bundle: {page}"
    );
    let (status, routed) = http(&at, "GET", "/cart/checkout", None);
    assert_eq!(
        (status, routed),
        (200, page),
        "an app route gets index.html"
    );
    let user = docker(&["exec", &format!("{}-storefront", live.name), "id", "-u"]);
    assert_eq!(user, "10001", "nginx runs as a non-root user");
}

#[test]
fn node_and_go_services_listen_where_their_code_says() {
    require_engine!();
    let live = live(
        "detect-ports",
        "node-express-4000",
        "orders",
        "services:\n  orders: { path: ./orders, port: 4000 }\n  shipping: { path: ./shipping, port: 5050 }\n  currency: { path: ./currency, port: 7000 }\n",
    );
    copy_fixture("go-port-constant", &live.project.path().join("shipping"));
    copy_fixture("go-no-module", &live.project.path().join("currency"));
    up(&live);
    let (status, body) = http(
        &address(&live, "orders", 4000),
        "POST",
        "/orders",
        Some(r#"{"sku": "typewriter"}"#),
    );
    assert_eq!(
        (status, body.as_str()),
        (201, r#"{"id":1,"sku":"typewriter"}"#)
    );
    let (status, body) = http(
        &address(&live, "shipping", 5050),
        "POST",
        "/quote",
        Some(r#"{"items": 2}"#),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"cost\":17.98"), "{body}");
    let (status, body) = http(
        &address(&live, "currency", 7000),
        "GET",
        "/convert?amount=10&from=EUR&to=USD",
        None,
    );
    assert_eq!((status, body.trim()), (200, r#"{"result":10.8}"#));
}

#[test]
fn native_python_extensions_build_and_leave_no_compiler_behind() {
    require_engine!();
    let live = live(
        "detect-native-py",
        "python-native-c",
        "pricing",
        "services:\n  pricing: { path: ./pricing, port: 5000 }\n  geo: { path: ./geo, port: 8000 }\n  stats: { path: ./stats, port: 8090 }\n  quotes: { path: ./quotes, port: 8070 }\n",
    );
    copy_fixture("python-native-pybind11", &live.project.path().join("geo"));
    copy_fixture("python-native-cmake", &live.project.path().join("stats"));
    copy_fixture("python-native-maturin", &live.project.path().join("quotes"));
    up(&live);
    let answers = [
        ("pricing", 5000, "/mean?values=1,2,6", r#"{"mean":3.0}"#),
        (
            "geo",
            8000,
            "/?lat1=52.52&lon1=13.40&lat2=48.86&lon2=2.35",
            r#"{"km": 877.1}"#,
        ),
        ("stats", 8090, "/?values=5,1,3,2", r#"{"median": 2.5}"#),
        ("quotes", 8070, "/", r#"{"service": "quotes"}"#),
    ];
    for (service, port, path, expected) in answers {
        let (status, body) = http(&address(&live, service, port), "GET", path, None);
        assert_eq!((status, body.trim()), (200, expected), "{service}");
        assert_eq!(
            compilers_in(&live, service),
            "",
            "{service} keeps no compiler"
        );
    }
    let (status, body) = http(
        &address(&live, "quotes", 8070),
        "POST",
        "/",
        Some(r#"[{"price": 10, "volume": 1}, {"price": 20, "volume": 3}]"#),
    );
    assert_eq!(
        (status, body.trim()),
        (200, r#"{"vwap": 17.5}"#),
        "Rust computed it"
    );
}

#[test]
fn a_node_addon_compiles_in_the_build_stage_only() {
    require_engine!();
    let live = live(
        "detect-native-node",
        "node-native-bcrypt",
        "accounts",
        "services:\n  accounts: { path: ./accounts, port: 8000 }\n",
    );
    up(&live);
    let at = address(&live, "accounts", 8000);
    let (status, _) = http(
        &at,
        "POST",
        "/users",
        Some(r#"{"name": "ada", "password": "s3cret"}"#),
    );
    assert_eq!(status, 201);
    let (status, body) = http(
        &at,
        "POST",
        "/login",
        Some(r#"{"name": "ada", "password": "s3cret"}"#),
    );
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"ok":true}"#),
        "bcrypt's addon works"
    );
    assert_eq!(compilers_in(&live, "accounts"), "");
}

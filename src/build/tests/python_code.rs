//! Python services whose entry point, framework and port come from reading their code: an
//! app object of any name in any module, a factory, a gRPC `__main__` script, a load
//! generator that is not the framework it pins, `command:` and `framework: none`, and the
//! native parts that compile in the build stage only.

use crate::detect::detection::{Detection, detect};
use crate::detect::language::Framework;

use super::{detection_error, fixture, generated, service_at};

fn framework(detection: &Detection) -> Option<&'static str> {
    detection.framework.map(|f| f.name())
}

#[test]
fn a_flask_app_called_server_in_hello_py_listens_where_its_code_says() {
    let (detection, dockerfile) = generated("python-flask-hello", false, |_| {});
    assert_eq!(framework(&detection), Some("flask"));
    assert_eq!(
        detection.start,
        ["gunicorn", "--bind", "0.0.0.0:8080", "hello:server"]
    );
    assert_eq!(detection.default_port, Some(8080));
    assert_eq!(
        detection.port_source,
        "`server.run(host=\"0.0.0.0\", port=int(os.environ.get(\"PORT\", 8080)))` in hello.py:21"
    );
    assert!(detection.http, "a Flask app answers HTTP");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn an_application_factory_is_called_by_gunicorn() {
    let (detection, _) = generated("python-flask-factory", false, |_| {});
    assert_eq!(
        detection.start,
        [
            "gunicorn",
            "--bind",
            "0.0.0.0:5000",
            "bookshelf:create_app()"
        ]
    );
    assert_eq!(detection.port_source, "Flask's default");
}

#[test]
fn a_grpc_server_script_runs_with_python_and_is_not_probed_over_http() {
    let (detection, dockerfile) = generated("python-grpc-email", false, |_| {});
    assert_eq!(detection.framework, None);
    assert_eq!(
        detection.start,
        ["python", "email_server.py"],
        "the server, not its client"
    );
    assert_eq!(detection.default_port, Some(8080));
    assert!(!detection.http, "gRPC answers HTTP/2 only: a TCP check");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_fastapi_app_under_src_takes_the_port_of_its_main_module() {
    let (detection, _) = generated("python-fastapi-src", false, |_| {});
    assert_eq!(
        detection.start,
        [
            "uvicorn",
            "inventory.api:app",
            "--app-dir",
            "src",
            "--host",
            "0.0.0.0",
            "--port",
            "8081"
        ]
    );
}

#[test]
fn a_load_generator_is_not_the_flask_app_its_pins_bring_and_needs_its_command() {
    let message = detection_error("python-loadgen");
    assert!(!message.contains("Flask"), "{message}");
    insta::assert_snapshot!(message);
    let (detection, _) = generated("python-loadgen", false, |service| {
        service.command = Some(vec!["locust".to_string(), "--headless".to_string()]);
    });
    assert_eq!(detection.framework, None);
    assert_eq!(detection.start, ["locust", "--headless"]);
}

#[test]
fn a_command_needs_no_entry_point_and_framework_none_runs_a_script() {
    // The Flask app cannot be found, but the manifest says how to start it.
    let mut service = service_at("app", &fixture("python-flask-factory"));
    service.command = Some(vec!["flask".to_string(), "run".to_string()]);
    let detection = detect(&service).expect("a command is enough");
    assert_eq!(detection.start, ["flask", "run"]);
    // `framework: none` runs the hello app as the script it also is.
    let mut service = service_at("app", &fixture("python-flask-hello"));
    service.framework = Some(Framework::None);
    let detection = detect(&service).expect("a script");
    assert_eq!(detection.framework, None);
    assert_eq!(detection.start, ["python", "hello.py"]);
}

#[test]
fn a_c_extension_compiles_in_the_build_stage_only() {
    let (detection, dockerfile) = generated("python-native-c", false, |_| {});
    assert_eq!(
        detection.start,
        ["gunicorn", "--bind", "0.0.0.0:5000", "app:app"]
    );
    let (build, runtime) = dockerfile
        .split_once("# --- runtime stage")
        .expect("two stages");
    assert!(build.contains("gcc g++ libc6-dev make"), "{build}");
    assert!(!runtime.contains("gcc"), "{runtime}");
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn pybind11_and_cmake_extensions_get_their_compilers_and_console_scripts_run() {
    let (detection, dockerfile) = generated("python-native-pybind11", false, |_| {});
    assert_eq!(detection.start, ["geo-server"], "[project.scripts]");
    assert_eq!(detection.default_port, Some(8000));
    assert!(
        dockerfile.contains("a C/C++ extension (setuptools ext_modules)"),
        "{dockerfile}"
    );
    let (detection, dockerfile) = generated("python-native-cmake", false, |_| {});
    assert_eq!(detection.start, ["python", "-m", "stats.server"]);
    assert!(
        dockerfile.contains("gcc g++ libc6-dev make cmake"),
        "{dockerfile}"
    );
}

#[test]
fn a_pyo3_extension_builds_with_the_rust_toolchain_in_the_build_stage_only() {
    let (detection, dockerfile) = generated("python-native-maturin", false, |_| {});
    assert_eq!(detection.start, ["quotes-server"]);
    let (build, runtime) = dockerfile
        .split_once("# --- runtime stage")
        .expect("two stages");
    assert!(
        build.contains("COPY --from=rust:1.95-slim-bookworm /usr/local/cargo"),
        "{build}"
    );
    assert!(!runtime.contains("cargo"), "{runtime}");
    insta::assert_snapshot!(dockerfile);
}

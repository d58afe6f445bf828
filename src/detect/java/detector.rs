//! Java's row in `DETECTORS`: which build tool, what it builds and how that runs, the
//! port (Spring's `server.port`, a framework's listen call), the Java release.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::java::{gradle, javac, maven};
use crate::detect::language::Language;
use crate::detect::listen::{self, Arg, Call};
use crate::detect::source;
use crate::detect::version::{Version, pick};
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
const LOOKED_FOR: &[&str] = &[
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "src/main/java (javac)",
];

/// The Java release used when the build names none: the current LTS.
const DEFAULT_VERSION: &str = "21";

/// Java's row in `DETECTORS`.
pub(crate) const DETECTOR: Detector = Detector {
    language: Language::Java,
    looked_for: LOOKED_FOR,
    default_version: DEFAULT_VERSION,
    matches,
    detect,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Tool {
    Maven,
    Gradle,
    /// No build tool: the JDK's javac and jar, for projects without dependencies.
    Javac,
}

/// How the built artifact runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Run {
    /// `java -jar`: a jar with its Main-Class and its dependencies inside (Spring Boot,
    /// shade, assembly) or none.
    Jar,
    /// `java -cp app.jar:lib/* MAIN`: a plain jar, its runtime dependencies copied beside.
    Classpath,
    /// Gradle's `installDist`: `bin/NAME` starts the app with `lib/` on the classpath.
    Script,
}

/// Facts about a Java service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Java {
    pub(crate) tool: Tool,
    /// Build files at the project root copied before the source, for the dependency layer.
    pub(crate) build_files: Vec<String>,
    /// Directories that shape dependency resolution, copied with them: `.mvn`, `gradle`
    /// (the version catalog), `buildSrc`.
    pub(crate) build_dirs: Vec<String>,
    /// What the build runs: Maven goals (`package`, `package assembly:single`), a Gradle
    /// task (`assemble`, `installDist`, `shadowJar`).
    pub(crate) task: String,
    /// The artifact the build writes, relative to the project: `target/app-1.0.jar`,
    /// `build/libs/app-1.0.jar`, `build/install/app` for installDist.
    pub(crate) jar: String,
    pub(crate) run: Run,
    /// A plain jar's runtime dependencies are copied beside it (`lib/`) for the classpath.
    pub(crate) copy_dependencies: bool,
    /// The project ships mvnw or gradlew. The image's Maven or Gradle is used all the same:
    /// a wrapper downloads its distribution on every uncached build.
    pub(crate) wrapper: bool,
    /// Spring Boot builds a runnable jar with its dependencies inside.
    pub(crate) spring_boot: bool,
    /// The class the jar's manifest (javac) or the classpath run starts (`app.Main`).
    pub(crate) main_class: Option<String>,
}

static SERVER_PORT_PROPERTIES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*(?:server|quarkus\.http|micronaut\.server)\.port\s*[=:]\s*(\d+)\s*$")
        .expect("a valid pattern")
});
pub(super) static SERVER_PORT_YAML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^server:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+port:[ \t]*(\d+)[ \t]*$")
        .expect("a valid pattern")
});

/// Calls that listen: Spark's `port(…)`, Javalin's `.start(…)`, gRPC's `forPort(…)`, the
/// JDK's `new InetSocketAddress(…)`, Jetty's `setPort(…)`.
const CALLS: &[Call] = &[
    Call {
        pattern: r"\bport\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\.start\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\bforPort\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\bnew\s+InetSocketAddress\(",
        arg: Arg::Last,
    },
    Call {
        pattern: r"\bsetPort\(",
        arg: Arg::First,
    },
];

/// Libraries that serve HTTP, as build files name them.
static HTTP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"spring-boot-starter-web|com\.sparkjava|io\.javalin|com\.sun\.net\.httpserver|jetty-server|undertow-core|vertx-web|quarkus-rest|micronaut-http-server|helidon-webserver")
        .expect("a valid pattern")
});

fn matches(dir: &Path) -> bool {
    LOOKED_FOR.iter().any(|file| dir.join(file).is_file()) || javac::matches(dir)
}

/// What each build tool reports.
pub(super) struct Found {
    pub(super) tool: Tool,
    pub(super) build_files: Vec<String>,
    pub(super) task: String,
    pub(super) jar: String,
    pub(super) run: Run,
    pub(super) copy_dependencies: bool,
    pub(super) release: Option<String>,
    pub(super) spring_boot: bool,
    pub(super) main_class: Option<String>,
    /// The build file's text, for the libraries it names.
    pub(super) text: String,
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let found = if dir.join("pom.xml").is_file() {
        maven::maven(service, dir)?
    } else if ["build.gradle", "build.gradle.kts"]
        .iter()
        .any(|file| dir.join(file).is_file())
    {
        gradle::gradle(service, dir)?
    } else {
        Found {
            tool: Tool::Javac,
            build_files: Vec::new(),
            task: String::new(),
            jar: "app.jar".to_string(),
            run: Run::Jar,
            copy_dependencies: false,
            release: None,
            spring_boot: false,
            main_class: Some(javac::main_class(service, dir)?),
            text: String::new(),
        }
    };
    let (version, version_source) = pick(
        service,
        &[
            Version::from(
                match found.tool {
                    Tool::Maven => "pom.xml",
                    Tool::Gradle => "the Gradle build",
                    Tool::Javac => "javac",
                },
                found.release.clone(),
            ),
            // jenv's file: `17`, or `1.8` for Java 8.
            Version::file(dir, ".java-version", |text| release(text.lines().next()?)),
        ],
        DEFAULT_VERSION,
    );
    let build_dirs = match found.tool {
        Tool::Maven => vec![".mvn"],
        Tool::Gradle => vec!["gradle", "buildSrc"],
        Tool::Javac => vec![],
    }
    .into_iter()
    .filter(|d| dir.join(d).is_dir())
    .map(str::to_string)
    .collect();
    let wrapper = match found.tool {
        Tool::Maven => dir.join("mvnw").is_file(),
        Tool::Gradle => dir.join("gradlew").is_file(),
        Tool::Javac => false,
    };
    let main_file = found
        .main_class
        .as_ref()
        .map(|class| format!("{}/{}.java", javac::SOURCES, class.replace('.', "/")));
    let sources = source::read(
        dir,
        &["java", "kt"],
        &main_file.into_iter().collect::<Vec<_>>(),
    );
    let listen = listen::find(&sources, CALLS);
    let configured =
        configured_port(dir).map(|(port, file)| (port, format!("server.port in {file}")));
    let fallback = configured.clone().or_else(|| {
        Some(if found.text.contains("com.sparkjava") {
            (4567, "Spark's default".to_string())
        } else {
            (8080, "the usual port".to_string())
        })
    });
    // A port in the framework's configuration is the one it uses, whatever a call says.
    let port = listen::choose(
        service,
        listen.as_ref().filter(|_| configured.is_none()),
        fallback,
    );
    let http = found.spring_boot
        || HTTP.is_match(&found.text)
        || sources
            .iter()
            .any(|f| f.text.contains("com.sun.net.httpserver"));
    // The heap follows the container's memory limit rather than the host's.
    let heap = "-XX:MaxRAMPercentage=75".to_string();
    let start = match found.run {
        Run::Jar => vec![
            "java".to_string(),
            heap,
            "-jar".to_string(),
            "/app/app.jar".to_string(),
        ],
        Run::Classpath => vec![
            "java".to_string(),
            heap,
            "-cp".to_string(),
            "/app/app.jar:/app/lib/*".to_string(),
            found.main_class.clone().unwrap_or_default(),
        ],
        Run::Script => vec![format!(
            "/app/bin/{}",
            found.jar.rsplit('/').next().unwrap_or_default()
        )],
    };
    Ok(Detection::new(
        Language::Java,
        None,
        (version, version_source),
        start,
        port,
        http,
        Details::Java(Java {
            tool: found.tool,
            build_files: found.build_files,
            build_dirs,
            task: found.task,
            jar: found.jar,
            run: found.run,
            copy_dependencies: found.copy_dependencies,
            wrapper,
            spring_boot: found.spring_boot,
            main_class: found.main_class,
        }),
    ))
}

/// The port the framework's configuration sets (`server.port` of Spring, Quarkus's and
/// Micronaut's), and the file.
fn configured_port(dir: &Path) -> Option<(u16, &'static str)> {
    let resources = dir.join("src/main/resources");
    let read = |name: &str| std::fs::read_to_string(resources.join(name)).ok();
    let properties = read("application.properties")
        .and_then(|t| SERVER_PORT_PROPERTIES.captures(&t)?[1].parse().ok())
        .map(|p| (p, "application.properties"));
    properties.or_else(|| {
        ["application.yml", "application.yaml"]
            .iter()
            .find_map(|name| {
                let text = read(name)?;
                Some((SERVER_PORT_YAML.captures(&text)?[1].parse().ok()?, *name))
            })
    })
}

/// `17` from `17` or `1.8` → `8`; anything else is not a release.
pub(super) fn release(text: &str) -> Option<String> {
    let text = text.trim();
    let major = text.strip_prefix("1.").unwrap_or(text);
    (!major.is_empty() && major.chars().all(|c| c.is_ascii_digit())).then(|| major.to_string())
}

#[cfg(test)]
mod tests {
    use super::{SERVER_PORT_YAML, release};

    #[test]
    fn releases_are_majors() {
        assert_eq!(release("1.8").as_deref(), Some("8"));
        assert_eq!(release("17").as_deref(), Some("17"));
        assert_eq!(release("${java.version}"), None);
    }

    #[test]
    fn spring_ports_in_yaml() {
        let yaml =
            "spring:\n  application:\n    name: x\nserver:\n  shutdown: graceful\n  port: 9090\n";
        assert_eq!(
            SERVER_PORT_YAML
                .captures(yaml)
                .map(|c| c[1].to_string())
                .as_deref(),
            Some("9090")
        );
    }
}

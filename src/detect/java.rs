//! Java services built with Maven, Gradle or plain javac: the jar the build produces, the
//! Java release from the build file or .java-version, the port from a Spring Boot
//! application.properties.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::detector::Detector;
use crate::detect::error::DetectError;
use crate::detect::javac;
use crate::detect::language::Language;
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

/// Facts about a Java service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Java {
    pub(crate) tool: Tool,
    /// Build files at the project root copied before the source, for the dependency layer.
    pub(crate) build_files: Vec<String>,
    /// Directories that shape dependency resolution, copied with them: `.mvn`, `gradle`
    /// (the version catalog), `buildSrc`.
    pub(crate) build_dirs: Vec<String>,
    /// The jar the build writes, relative to the project: `target/app-1.0.jar`,
    /// `build/libs/app-1.0.jar`.
    pub(crate) jar: String,
    /// The project ships mvnw or gradlew. The image's Maven or Gradle is used all the same:
    /// a wrapper downloads its distribution on every uncached build.
    pub(crate) wrapper: bool,
    /// Spring Boot builds a runnable jar with its dependencies inside.
    pub(crate) spring_boot: bool,
    /// javac builds: the class the jar's manifest starts (`app.Main`).
    pub(crate) main_class: Option<String>,
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([\w.-]+)\}").expect("a valid pattern"));
static GRADLE_TOOLCHAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:JavaLanguageVersion\.of|jvmToolchain)\(\s*(\d+)\s*\)").expect("a valid pattern")
});
static GRADLE_COMPATIBILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"sourceCompatibility\s*=\s*(?:JavaVersion\.VERSION_)?['"]?(?:1[._])?([5-9]|\d{2,})"#,
    )
    .expect("a valid pattern")
});
static GRADLE_PROJECT_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"rootProject\.name\s*=\s*['"]([^'"]+)['"]"#).expect("a valid pattern")
});
static GRADLE_INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*include\s*\(?\s*(['"][^)\n]*)"#).expect("a valid pattern")
});
/// `version = "1.0"` (Kotlin) or `version '1.0'` / `version = '1.0'` (Groovy).
static GRADLE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*version(?:\s*=\s*|\s+)(?:['"]([^'"$]+)['"]|(.+))$"#)
        .expect("a valid pattern")
});
static PROPERTIES_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*version\s*[=:]\s*(\S+)").expect("a valid pattern"));
static SERVER_PORT_PROPERTIES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*server\.port\s*[=:]\s*(\d+)\s*$").expect("a valid pattern")
});
static SERVER_PORT_YAML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^server:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+port:[ \t]*(\d+)[ \t]*$")
        .expect("a valid pattern")
});

fn matches(dir: &Path) -> bool {
    LOOKED_FOR.iter().any(|file| dir.join(file).is_file()) || javac::matches(dir)
}

/// What each build tool reports.
struct Found {
    tool: Tool,
    build_files: Vec<String>,
    jar: String,
    release: Option<String>,
    spring_boot: bool,
    main_class: Option<String>,
}

fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let found = if dir.join("pom.xml").is_file() {
        maven(service, dir)?
    } else if ["build.gradle", "build.gradle.kts"]
        .iter()
        .any(|file| dir.join(file).is_file())
    {
        gradle(service, dir)?
    } else {
        Found {
            tool: Tool::Javac,
            build_files: Vec::new(),
            jar: "app.jar".to_string(),
            release: None,
            spring_boot: false,
            main_class: Some(javac::main_class(service, dir)?),
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
                found.release,
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
    let port = if found.spring_boot {
        spring_port(dir).unwrap_or(8080)
    } else {
        8080
    };
    Ok(Detection {
        language: Language::Java,
        framework: None,
        version,
        version_source,
        // The heap follows the container's memory limit rather than the host's.
        start: vec![
            "java".to_string(),
            "-XX:MaxRAMPercentage=75".to_string(),
            "-jar".to_string(),
            "/app/app.jar".to_string(),
        ],
        default_port: Some(port),
        details: Details::Java(Java {
            tool: found.tool,
            build_files: found.build_files,
            build_dirs,
            jar: found.jar,
            wrapper,
            spring_boot: found.spring_boot,
            main_class: found.main_class,
        }),
    })
}

/// `server.port` from application.properties or application.yml.
fn spring_port(dir: &Path) -> Option<u16> {
    let resources = dir.join("src/main/resources");
    let read = |name: &str| std::fs::read_to_string(resources.join(name)).ok();
    read("application.properties")
        .and_then(|t| {
            SERVER_PORT_PROPERTIES
                .captures(&t)
                .map(|c| c[1].to_string())
        })
        .or_else(|| {
            ["application.yml", "application.yaml"]
                .iter()
                .filter_map(|n| read(n))
                .find_map(|t| SERVER_PORT_YAML.captures(&t).map(|c| c[1].to_string()))
        })
        .and_then(|p| p.parse().ok())
}

/// `17` from `17` or `1.8` → `8`; anything else is not a release.
fn release(text: &str) -> Option<String> {
    let text = text.trim();
    let major = text.strip_prefix("1.").unwrap_or(text);
    (!major.is_empty() && major.chars().all(|c| c.is_ascii_digit())).then(|| major.to_string())
}

/// The first child element of `node` called `name`.
fn element<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    node.children().find(|c| c.tag_name().name() == name)
}

fn maven(service: &Service, dir: &Path) -> Result<Found, DetectError> {
    let invalid = |message: String, hint: Option<&str>| DetectError::Invalid {
        service: service.name.clone(),
        message,
        hint: hint.map(str::to_string),
    };
    let path = dir.join("pom.xml");
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    let document = roxmltree::Document::parse(&text)
        .map_err(|e| invalid(format!("pom.xml is not valid XML: {e}"), None))?;
    let project = document.root_element();
    let child = |node: roxmltree::Node<'_, '_>, name: &str| {
        element(node, name)
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
    };
    let parent = element(project, "parent");
    let properties = element(project, "properties");
    let property = |name: &str| properties.and_then(|p| child(p, name));
    let raw_version =
        child(project, "version").or_else(|| parent.and_then(|p| child(p, "version")));
    // `${project.artifactId}`, `${project.version}` and `<properties>` references, one level.
    let resolve = |value: String| {
        PLACEHOLDER
            .replace_all(&value, |c: &regex::Captures<'_>| {
                match &c[1] {
                    "project.artifactId" | "artifactId" => child(project, "artifactId"),
                    "project.version" | "version" => raw_version.clone(),
                    name => property(name),
                }
                .unwrap_or_else(|| c[0].to_string())
            })
            .into_owned()
    };
    let artifact = child(project, "artifactId")
        .map(resolve)
        .ok_or_else(|| invalid("pom.xml has no artifactId".to_string(), None))?;
    let version = raw_version.clone().map(resolve);
    let packaging = child(project, "packaging").unwrap_or_else(|| "jar".to_string());
    match packaging.as_str() {
        "jar" => {}
        "pom" => {
            let modules: Vec<String> = element(project, "modules")
                .map(|m| {
                    m.children()
                        .filter_map(|c| c.text())
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            return Err(invalid(
                format!(
                    "pom.xml is a multi-module build ({}); stack builds a single jar",
                    if modules.is_empty() {
                        "packaging pom".to_string()
                    } else {
                        format!("modules: {}", modules.join(", "))
                    }
                ),
                Some("add a Dockerfile to the service that builds the module to run"),
            ));
        }
        other => {
            return Err(invalid(
                format!("pom.xml packages a {other}; stack runs a jar with `java -jar`"),
                Some(
                    "package a runnable jar (Spring Boot, or maven-jar-plugin with a mainClass), or add a Dockerfile",
                ),
            ));
        }
    }
    let final_name = element(project, "build")
        .and_then(|b| child(b, "finalName"))
        .map(resolve);
    let name = final_name.unwrap_or_else(|| match &version {
        Some(v) => format!("{artifact}-{v}"),
        None => artifact.clone(),
    });
    let release = [
        "maven.compiler.release",
        "maven.compiler.source",
        "java.version",
    ]
    .iter()
    .find_map(|p| property(p))
    .map(resolve)
    .and_then(|v| release(&v));
    let spring_boot = document.descendants().any(|n| {
        n.tag_name().name() == "groupId"
            && n.text()
                .is_some_and(|t| t.trim() == "org.springframework.boot")
    });
    Ok(Found {
        tool: Tool::Maven,
        build_files: vec!["pom.xml".to_string()],
        jar: format!("target/{name}.jar"),
        release,
        spring_boot,
        main_class: None,
    })
}

fn gradle(service: &Service, dir: &Path) -> Result<Found, DetectError> {
    let existing = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| dir.join(n).is_file())
            .map(|n| n.to_string())
            .collect()
    };
    let build_files = existing(&[
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "settings.gradle.kts",
        "gradle.properties",
    ]);
    let read = |names: &[&str]| {
        names
            .iter()
            .filter_map(|n| std::fs::read_to_string(dir.join(n)).ok())
            .collect::<String>()
    };
    let build = read(&["build.gradle", "build.gradle.kts"]);
    let settings = read(&["settings.gradle", "settings.gradle.kts"]);
    let properties = read(&["gradle.properties"]);
    if let Some(included) = GRADLE_INCLUDE.captures(&settings) {
        return Err(DetectError::Invalid {
            service: service.name.clone(),
            message: format!(
                "the Gradle build includes subprojects ({}); stack builds a single-project jar",
                included[1].trim()
            ),
            hint: Some(
                "add a Dockerfile to the service that builds the subproject to run".to_string(),
            ),
        });
    }
    let name = GRADLE_PROJECT_NAME
        .captures(&settings)
        .map(|c| c[1].to_string())
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| service.name.clone());
    // Gradle names the jar <project>-<version>.jar, or <project>.jar with no version.
    let version = match GRADLE_VERSION.captures(&build) {
        Some(c) => match c.get(1) {
            Some(literal) => Some(literal.as_str().to_string()),
            None => {
                return Err(DetectError::Invalid {
                    service: service.name.clone(),
                    message: format!(
                        "cannot tell the jar's name: the Gradle build sets `version {}`",
                        c[0].trim().trim_start_matches("version").trim()
                    ),
                    hint: Some(
                        "write the version as a string literal (`version = \"1.0.0\"`) or in gradle.properties, or add a Dockerfile to the service".to_string(),
                    ),
                });
            }
        },
        None => PROPERTIES_VERSION
            .captures(&properties)
            .map(|c| c[1].to_string()),
    };
    let jar = match version {
        Some(v) => format!("build/libs/{name}-{v}.jar"),
        None => format!("build/libs/{name}.jar"),
    };
    let release = GRADLE_TOOLCHAIN
        .captures(&build)
        .or_else(|| GRADLE_COMPATIBILITY.captures(&build))
        .map(|c| c[1].to_string());
    Ok(Found {
        tool: Tool::Gradle,
        build_files,
        jar,
        release,
        spring_boot: build.contains("org.springframework.boot"),
        main_class: None,
    })
}

#[cfg(test)]
mod tests {
    use super::{
        GRADLE_COMPATIBILITY, GRADLE_INCLUDE, GRADLE_TOOLCHAIN, GRADLE_VERSION, SERVER_PORT_YAML,
        release,
    };

    fn first(re: &regex::Regex, text: &str) -> Option<String> {
        re.captures(text).map(|c| c[1].to_string())
    }

    #[test]
    fn releases_are_majors() {
        assert_eq!(release("1.8").as_deref(), Some("8"));
        assert_eq!(release("17").as_deref(), Some("17"));
        assert_eq!(release("${java.version}"), None);
    }

    #[test]
    fn gradle_java_versions() {
        assert_eq!(
            first(
                &GRADLE_TOOLCHAIN,
                "languageVersion.set(JavaLanguageVersion.of(17))"
            )
            .as_deref(),
            Some("17")
        );
        assert_eq!(
            first(&GRADLE_TOOLCHAIN, "kotlin { jvmToolchain(21) }").as_deref(),
            Some("21")
        );
        assert_eq!(
            first(
                &GRADLE_COMPATIBILITY,
                "sourceCompatibility = JavaVersion.VERSION_1_8"
            )
            .as_deref(),
            Some("8")
        );
        assert_eq!(
            first(&GRADLE_COMPATIBILITY, "sourceCompatibility = '1.8'").as_deref(),
            Some("8")
        );
        assert_eq!(
            first(
                &GRADLE_COMPATIBILITY,
                "sourceCompatibility = JavaVersion.VERSION_17"
            )
            .as_deref(),
            Some("17")
        );
        assert_eq!(
            first(&GRADLE_COMPATIBILITY, "sourceCompatibility = '11'").as_deref(),
            Some("11")
        );
    }

    #[test]
    fn gradle_versions_and_subprojects() {
        let literal = |text: &str| {
            GRADLE_VERSION
                .captures(text)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
        };
        assert_eq!(literal("version = \"0.9.0\"\n").as_deref(), Some("0.9.0"));
        assert_eq!(literal("version '1.2.3'\n").as_deref(), Some("1.2.3"));
        assert_eq!(literal("version = rootProject.property(\"v\")\n"), None);
        assert!(GRADLE_VERSION.is_match("version = rootProject.property(\"v\")\n"));
        assert!(!GRADLE_VERSION.is_match("versionCatalogs {\n"));
        assert!(GRADLE_INCLUDE.is_match("include(\"api\", \"core\")\n"));
        assert!(GRADLE_INCLUDE.is_match("include 'api'\n"));
        assert!(!GRADLE_INCLUDE.is_match("rootProject.name = \"x\"\nincludeBuild(\"../lib\")\n"));
    }

    #[test]
    fn spring_ports_in_yaml() {
        let yaml =
            "spring:\n  application:\n    name: x\nserver:\n  shutdown: graceful\n  port: 9090\n";
        assert_eq!(first(&SERVER_PORT_YAML, yaml).as_deref(), Some("9090"));
    }
}

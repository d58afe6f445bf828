//! Java services built with Maven or Gradle: the jar the build produces, the Java release
//! from the build file.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::detection::{Details, Detection};
use crate::detect::error::DetectError;
use crate::detect::version::{Version, pick};
use crate::language::Language;
use crate::manifest::service::Service;

/// Files this detector recognises, listed when nothing matches.
pub const LOOKED_FOR: &[&str] = &["pom.xml", "build.gradle", "build.gradle.kts"];

/// The Java release used when the build names none: the current LTS.
pub const DEFAULT_VERSION: &str = "21";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Maven,
    Gradle,
}

/// Facts about a Java service for its template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Java {
    pub tool: Tool,
    /// Build files copied before the source, for the dependency layer.
    pub build_files: Vec<String>,
    /// The jar the build writes, relative to the project (`target/app-1.0.jar`); for Gradle
    /// a glob under build/libs.
    pub jar: String,
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([\w.-]+)\}").expect("a valid pattern"));
static GRADLE_TOOLCHAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)").expect("a valid pattern")
});
static GRADLE_COMPATIBILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"sourceCompatibility\s*=\s*(?:JavaVersion\.VERSION_)?['\x22]?(?:1_)?(\d+)")
        .expect("a valid pattern")
});
static GRADLE_PROJECT_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"rootProject\.name\s*=\s*['"]([^'"]+)['"]"#).expect("a valid pattern")
});

pub fn matches(dir: &Path) -> bool {
    LOOKED_FOR.iter().any(|file| dir.join(file).is_file())
}

pub fn detect(service: &Service, dir: &Path) -> Result<Detection, DetectError> {
    let (tool, build_files, jar, release) = if dir.join("pom.xml").is_file() {
        maven(service, dir)?
    } else {
        gradle(service, dir)
    };
    let (version, version_source) = pick(
        service,
        &[Version::from(
            if tool == Tool::Maven {
                "pom.xml"
            } else {
                "the Gradle build"
            },
            release,
        )],
        DEFAULT_VERSION,
    );
    Ok(Detection {
        language: Language::Java,
        framework: None,
        version,
        version_source,
        start: vec![
            "java".to_string(),
            "-XX:MaxRAMPercentage=75".to_string(),
            "-jar".to_string(),
            "/app/app.jar".to_string(),
        ],
        default_port: Some(8080),
        details: Details::Java(Java {
            tool,
            build_files,
            jar,
        }),
    })
}

type Found = (Tool, Vec<String>, String, Option<String>);

fn maven(service: &Service, dir: &Path) -> Result<Found, DetectError> {
    let path = dir.join("pom.xml");
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    let document = roxmltree::Document::parse(&text).map_err(|e| DetectError::Invalid {
        service: service.name.clone(),
        message: format!("pom.xml is not valid XML: {e}"),
        hint: None,
    })?;
    let project = document.root_element();
    let child = |node: roxmltree::Node<'_, '_>, name: &str| {
        node.children()
            .find(|c| c.tag_name().name() == name)
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
    };
    let properties = project
        .children()
        .find(|c| c.tag_name().name() == "properties");
    let property = |name: &str| properties.and_then(|p| child(p, name));
    // `${project.artifactId}`, `${project.version}` and `<properties>` references.
    let resolve = |value: String| {
        PLACEHOLDER
            .replace_all(&value, |c: &regex::Captures<'_>| {
                match &c[1] {
                    "project.artifactId" | "artifactId" => child(project, "artifactId"),
                    "project.version" | "version" => child(project, "version"),
                    name => property(name),
                }
                .unwrap_or_else(|| c[0].to_string())
            })
            .into_owned()
    };
    let artifact =
        child(project, "artifactId")
            .map(resolve)
            .ok_or_else(|| DetectError::Invalid {
                service: service.name.clone(),
                message: "pom.xml has no artifactId".to_string(),
                hint: None,
            })?;
    let version = child(project, "version").map(resolve);
    let final_name = project
        .children()
        .find(|c| c.tag_name().name() == "build")
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
    .map(|v| v.trim_start_matches("1.").to_string());
    Ok((
        Tool::Maven,
        vec!["pom.xml".to_string()],
        format!("target/{name}.jar"),
        release,
    ))
}

fn gradle(service: &Service, dir: &Path) -> Found {
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
    let name = GRADLE_PROJECT_NAME
        .captures(&settings)
        .map(|c| c[1].to_string())
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| service.name.clone());
    let release = GRADLE_TOOLCHAIN
        .captures(&build)
        .or_else(|| GRADLE_COMPATIBILITY.captures(&build))
        .map(|c| c[1].to_string());
    (
        Tool::Gradle,
        build_files,
        format!("build/libs/{name}*.jar"),
        release,
    )
}

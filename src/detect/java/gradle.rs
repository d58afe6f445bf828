//! Gradle builds (single project): Spring Boot's `bootJar`, the `application` plugin's
//! `installDist` start script, the shadow plugin's fat jar, or a jar whose manifest names
//! its Main-Class.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::detect::java::detector::{Found, Run, Tool};
use crate::manifest::service::Service;

pub(super) static GRADLE_TOOLCHAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:JavaLanguageVersion\.of|jvmToolchain)\(\s*(\d+)\s*\)").expect("a valid pattern")
});
pub(super) static GRADLE_COMPATIBILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"sourceCompatibility\s*=\s*(?:JavaVersion\.VERSION_)?['"]?(?:1[._])?([5-9]|\d{2,})"#,
    )
    .expect("a valid pattern")
});
static GRADLE_PROJECT_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"rootProject\.name\s*=\s*['"]([^'"]+)['"]"#).expect("a valid pattern")
});
pub(super) static GRADLE_INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*include\s*\(?\s*(['"][^)\n]*)"#).expect("a valid pattern")
});
/// `version = "1.0"` (Kotlin) or `version '1.0'` / `version = '1.0'` (Groovy).
pub(super) static GRADLE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*version(?:\s*=\s*|\s+)(?:['"]([^'"$]+)['"]|(.+))$"#)
        .expect("a valid pattern")
});
static PROPERTIES_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*version\s*[=:]\s*(\S+)").expect("a valid pattern"));
/// The `application` plugin, in the plugins block or applied the old way.
static APPLICATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*(?:application|id\s*\(?\s*["']application["']\s*\)?|apply\s+plugin\s*:\s*["']application["'])\s*$"#)
        .expect("a valid pattern")
});
static APPLICATION_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"applicationName\s*=\s*['"]([^'"]+)['"]"#).expect("a valid pattern")
});
static SHADOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"com\.github\.johnrengelman\.shadow|com\.gradleup\.shadow")
        .expect("a valid pattern")
});
static MAIN_CLASS_ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"['"]Main-Class['"]"#).expect("a valid pattern"));

pub(super) fn gradle(service: &Service, dir: &Path) -> Result<Found, DetectError> {
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
    let release = GRADLE_TOOLCHAIN
        .captures(&build)
        .or_else(|| GRADLE_COMPATIBILITY.captures(&build))
        .map(|c| c[1].to_string());
    let spring_boot = build.contains("org.springframework.boot");
    let found = |task: &str, jar: String, run: Run| Found {
        tool: Tool::Gradle,
        build_files: build_files.clone(),
        task: task.to_string(),
        jar,
        run,
        copy_dependencies: false,
        release: release.clone(),
        spring_boot,
        main_class: None,
        text: build.clone(),
    };
    // installDist writes build/install/<name>/ with bin/<name>: no jar name to work out.
    if APPLICATION.is_match(&build) && !spring_boot {
        let script = APPLICATION_NAME
            .captures(&build)
            .map_or(name, |c| c[1].to_string());
        return Ok(found(
            "installDist",
            format!("build/install/{script}"),
            Run::Script,
        ));
    }
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
    let jar = |suffix: &str| match &version {
        Some(v) => format!("build/libs/{name}-{v}{suffix}.jar"),
        None => format!("build/libs/{name}{suffix}.jar"),
    };
    if spring_boot {
        return Ok(found("bootJar", jar(""), Run::Jar));
    }
    if SHADOW.is_match(&build) {
        return Ok(found("shadowJar", jar("-all"), Run::Jar));
    }
    if MAIN_CLASS_ATTRIBUTE.is_match(&build) {
        return Ok(found("assemble", jar(""), Run::Jar));
    }
    Err(DetectError::Invalid {
        service: service.name.clone(),
        message: "the Gradle build makes a library jar: no `application` plugin, no Spring Boot, no shadow jar, no Main-Class".to_string(),
        hint: Some("apply the `application` plugin with its `mainClass` (stack runs its installDist start script), or add a Dockerfile".to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::{
        APPLICATION, GRADLE_COMPATIBILITY, GRADLE_INCLUDE, GRADLE_TOOLCHAIN, GRADLE_VERSION,
    };

    fn first(re: &regex::Regex, text: &str) -> Option<String> {
        re.captures(text).map(|c| c[1].to_string())
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
    fn gradle_versions_subprojects_and_the_application_plugin() {
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
        assert!(APPLICATION.is_match("plugins {\n    application\n}\n"));
        assert!(APPLICATION.is_match("plugins {\n    id 'application'\n}\n"));
        assert!(APPLICATION.is_match("apply plugin: 'application'\n"));
        assert!(!APPLICATION.is_match("application {\n    mainClass = \"x\"\n}\n"));
    }
}

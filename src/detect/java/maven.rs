//! Maven builds: the jar pom.xml makes and how it runs. A Spring Boot, shaded or
//! assembly (jar-with-dependencies) jar carries its dependencies and runs with `java -jar`;
//! a plain jar runs with its runtime dependencies copied beside it, from the main class its
//! manifest, the exec plugin or the sources name.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::detect::java::detector::{Found, Run, Tool, release};
use crate::detect::java::javac;
use crate::manifest::service::Service;

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([\w.-]+)\}").expect("a valid pattern"));

type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

/// The first child element of `node` called `name`.
fn element<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|c| c.tag_name().name() == name)
}

/// The element at `path` below `node`.
fn at<'a, 'input>(node: Node<'a, 'input>, path: &[&str]) -> Option<Node<'a, 'input>> {
    path.iter().try_fold(node, |node, name| element(node, name))
}

/// The trimmed text of the element at `path` below `node`.
fn text(node: Node<'_, '_>, path: &[&str]) -> Option<String> {
    at(node, path)?.text().map(|t| t.trim().to_string())
}

pub(super) fn maven(service: &Service, dir: &Path) -> Result<Found, DetectError> {
    let invalid = |message: String, hint: Option<&str>| DetectError::Invalid {
        service: service.name.clone(),
        message,
        hint: hint.map(str::to_string),
    };
    let path = dir.join("pom.xml");
    let source = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    let document = roxmltree::Document::parse(&source)
        .map_err(|e| invalid(format!("pom.xml is not valid XML: {e}"), None))?;
    let project = document.root_element();
    let parent = element(project, "parent");
    let property = |name: &str| text(project, &["properties", name]);
    let raw_version =
        text(project, &["version"]).or_else(|| parent.and_then(|p| text(p, &["version"])));
    // `${project.artifactId}`, `${project.version}` and `<properties>` references, one level.
    let resolve = |value: String| {
        PLACEHOLDER
            .replace_all(&value, |c: &regex::Captures<'_>| {
                match &c[1] {
                    "project.artifactId" | "artifactId" => text(project, &["artifactId"]),
                    "project.version" | "version" => raw_version.clone(),
                    name => property(name),
                }
                .unwrap_or_else(|| c[0].to_string())
            })
            .into_owned()
    };
    let artifact = text(project, &["artifactId"])
        .map(resolve)
        .ok_or_else(|| invalid("pom.xml has no artifactId".to_string(), None))?;
    let version = raw_version.clone().map(resolve);
    let packaging = text(project, &["packaging"]).unwrap_or_else(|| "jar".to_string());
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
                format!("pom.xml packages a {other}; stack runs a jar"),
                Some(
                    "package a runnable jar (Spring Boot, the shade or assembly plugin, or maven-jar-plugin with a mainClass), or add a Dockerfile",
                ),
            ));
        }
    }
    let name = text(project, &["build", "finalName"])
        .map(resolve)
        .unwrap_or_else(|| match &version {
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
    let plugins: Vec<Node<'_, '_>> = at(project, &["build", "plugins"])
        .map(|p| {
            p.children()
                .filter(|c| c.tag_name().name() == "plugin")
                .collect()
        })
        .unwrap_or_default();
    let plugin = |id: &str| {
        plugins
            .iter()
            .find(|p| text(**p, &["artifactId"]).as_deref() == Some(id))
            .copied()
    };
    let manifest_main = |p: Node<'_, '_>| {
        text(p, &["configuration", "archive", "manifest", "mainClass"]).map(resolve)
    };
    let spring_boot = plugin("spring-boot-maven-plugin").is_some()
        || parent.and_then(|p| text(p, &["groupId"])).as_deref()
            == Some("org.springframework.boot");
    let mut found = Found {
        tool: Tool::Maven,
        build_files: vec!["pom.xml".to_string()],
        task: "package".to_string(),
        jar: format!("target/{name}.jar"),
        run: Run::Jar,
        copy_dependencies: false,
        release,
        spring_boot,
        main_class: None,
        text: source.clone(),
    };
    if spring_boot {
        return Ok(found);
    }
    if let Some(shade) = plugin("maven-shade-plugin") {
        let configuration = |name: &str| {
            shade
                .descendants()
                .find(|n| n.tag_name().name() == name)
                .and_then(|n| n.text())
                .map(|t| resolve(t.trim().to_string()))
        };
        if configuration("shadedArtifactAttached").as_deref() == Some("true") {
            let classifier =
                configuration("shadedClassifierName").unwrap_or_else(|| "shaded".to_string());
            found.jar = format!("target/{name}-{classifier}.jar");
        }
        found.main_class = configuration("mainClass");
        return with_main(service, dir, found);
    }
    if let Some(assembly) = plugin("maven-assembly-plugin") {
        let descriptor = assembly
            .descendants()
            .find(|n| n.tag_name().name() == "descriptorRef")
            .and_then(|n| n.text())
            .map(str::trim)
            .unwrap_or("jar-with-dependencies")
            .to_string();
        let append = assembly
            .descendants()
            .find(|n| n.tag_name().name() == "appendAssemblyId")
            .and_then(|n| n.text())
            .is_none_or(|t| t.trim() != "false");
        if append {
            found.jar = format!("target/{name}-{descriptor}.jar");
        }
        // Without an execution bound to a phase, `package` does not assemble it.
        let bound = assembly.descendants().any(|n| {
            n.tag_name().name() == "goal" && n.text().is_some_and(|t| t.trim() == "single")
        });
        if !bound {
            found.task = "package assembly:single".to_string();
        }
        found.main_class = manifest_main(assembly);
        return with_main(service, dir, found);
    }
    // A plain jar: its own classes only.
    found.main_class = plugin("maven-jar-plugin")
        .and_then(manifest_main)
        .or_else(|| {
            plugin("exec-maven-plugin")
                .and_then(|p| text(p, &["configuration", "mainClass"]).map(resolve))
        });
    let dependencies = at(project, &["dependencies"])
        .map(|d| {
            d.children()
                .filter(|c| c.tag_name().name() == "dependency")
                .any(|c| !matches!(text(c, &["scope"]).as_deref(), Some("test" | "provided")))
        })
        .unwrap_or(false);
    if found.main_class.is_some() && !dependencies {
        return Ok(found);
    }
    found.run = Run::Classpath;
    found.copy_dependencies = true;
    if found.main_class.is_none() {
        found.main_class = Some(javac::main_class(service, dir)?);
    }
    Ok(found)
}

/// A fat jar runs with `java -jar` when its manifest names the main class; otherwise it
/// runs on the classpath from the class with a `main`.
fn with_main(service: &Service, dir: &Path, mut found: Found) -> Result<Found, DetectError> {
    if found.main_class.is_none() {
        found.run = Run::Classpath;
        found.main_class = Some(javac::main_class(service, dir)?);
    }
    Ok(found)
}

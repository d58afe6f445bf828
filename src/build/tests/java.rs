//! Generated Dockerfiles for Java services built with Maven, Gradle or plain javac.

use crate::detect::detection::{Details, Detection, detect};

use super::{Project, generated, service_at};

fn version(detection: &Detection) -> (&str, &str) {
    (&detection.version, &detection.version_source)
}

fn jar(detection: &Detection) -> &str {
    match &detection.details {
        Details::Java(java) => &java.jar,
        other => panic!("Java details: {other:?}"),
    }
}

#[test]
fn maven_builds_the_jar_its_pom_names_on_the_release_it_targets() {
    let (detection, dockerfile) = generated("java-maven", false, |_| {});
    assert_eq!(version(&detection), ("17", "pom.xml"));
    assert_eq!(jar(&detection), "target/quotes-service.jar");
    assert_eq!(
        detection.start,
        ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
    );
    assert!(
        dockerfile.contains("cp target/quotes-service.jar /tmp/app.jar"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn gradle_application_runs_its_start_script_on_the_toolchain_version_and_trusts_the_extra_ca() {
    let (detection, dockerfile) = generated("java-gradle", true, |service| {
        service.build.build_packages = vec!["git".to_string()];
        service.build.system_packages = vec!["fontconfig".to_string()];
    });
    assert_eq!(version(&detection), ("21", "the Gradle build"));
    // An `application` project: installDist's start script has the classpath right.
    assert_eq!(jar(&detection), "build/install/ledger");
    assert_eq!(detection.start, ["/app/bin/ledger"]);
    assert!(
        dockerfile.contains("COPY build.gradle.kts settings.gradle.kts ./"),
        "{dockerfile}"
    );
    assert_eq!(
        dockerfile.matches("keytool -importcert").count(),
        2,
        "Java ignores the system bundle: Gradle and the app need the CA in the JDK's"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn spring_boot_takes_its_port_and_java_version_from_the_project() {
    let project = Project::new();
    project
        .file(
            "pom.xml",
            r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.4</version>
  </parent>
  <artifactId>orders</artifactId>
  <properties>
    <java.version>1.8</java.version>
    <maven.compiler.release>${java.version}</maven.compiler.release>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
  </dependencies>
</project>
"#,
        )
        .file(
            "src/main/resources/application.properties",
            "spring.application.name=orders\nserver.port=8081\n",
        )
        .file("mvnw", "#!/bin/sh\n");
    let detection = detect(&service_at("app", project.path())).expect("a Maven project");
    assert_eq!(version(&detection), ("8", "pom.xml"));
    assert_eq!(detection.default_port, Some(8081));
    assert_eq!(
        jar(&detection),
        "target/orders-3.3.4.jar",
        "the version comes from the parent"
    );
    let Details::Java(java) = &detection.details else {
        panic!("Java details");
    };
    assert!(java.spring_boot && java.wrapper);
}

#[test]
fn a_multi_module_build_is_explained() {
    let project = Project::new();
    project.file(
        "pom.xml",
        "<project><modelVersion>4.0.0</modelVersion><groupId>dev.stack</groupId><artifactId>parent</artifactId>\
         <version>1.0</version><packaging>pom</packaging><modules><module>api</module><module>core</module></modules></project>",
    );
    let error = detect(&service_at("app", project.path())).expect_err("several jars");
    assert_eq!(
        format!("{error}\nhint: {}", error.hint().unwrap_or_default()),
        "service `app`: pom.xml is a multi-module build (modules: api, core); stack builds a single jar\n\
         hint: add a Dockerfile to the service that builds the module to run"
    );
}

#[test]
fn without_a_build_tool_javac_builds_a_jar_around_the_one_main_class() {
    let (detection, dockerfile) = generated("java-javac", false, |_| {});
    assert_eq!(version(&detection), ("17", ".java-version"));
    let Details::Java(java) = &detection.details else {
        panic!("Java details");
    };
    assert_eq!(
        java.main_class.as_deref(),
        Some("com.example.greeter.Server")
    );
    assert_eq!(
        detection.start,
        ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
    );
    assert!(
        dockerfile.contains("FROM eclipse-temurin:17-jdk AS build\n")
            && dockerfile.contains("FROM eclipse-temurin:17-jre\n"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn a_javac_project_needs_exactly_one_main() {
    let project = Project::new();
    project.file(
        "src/main/java/Util.java",
        "final class Util { static int two() { return 2; } }\n",
    );
    let error = detect(&service_at("app", project.path())).expect_err("no main");
    assert!(
        error.to_string().contains(
            "no class under src/main/java has a `public static void main(String[] args)`"
        ),
        "{error}"
    );

    project
        .file(
            "src/main/java/a/One.java",
            "package a;\npublic class One { public static void main(String[] args) {} }\n",
        )
        .file(
            "src/main/java/b/Two.java",
            "package b;\npublic class Two { public static void main(String... args) {} }\n",
        );
    let error = detect(&service_at("app", project.path())).expect_err("two mains");
    assert_eq!(
        format!("{error}\nhint: {}", error.hint().unwrap_or_default()),
        "service `app`: several classes under src/main/java have a `main` (a.One, b.Two); the jar can start only one\n\
         hint: keep one `main` under src/main/java (tools can live in src/test/java), or add a Dockerfile"
    );
}

//! Generated Dockerfiles for Java services built with Maven or Gradle.

use crate::common::generated;

#[test]
fn maven_builds_the_jar_its_pom_names_on_the_release_it_targets() {
    let (detection, dockerfile) = generated("java-maven", true, |_| {});
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("17", "pom.xml")
    );
    assert!(
        dockerfile.contains("cp target/quotes-service.jar /tmp/app.jar"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("keytool -importcert"),
        "Java trusts the extra CA"
    );
    insta::assert_snapshot!(dockerfile);
}

#[test]
fn gradle_uses_the_toolchain_version() {
    let (detection, dockerfile) = generated("java-gradle", false, |_| {});
    assert_eq!(
        (
            detection.version.as_str(),
            detection.version_source.as_str()
        ),
        ("21", "the Gradle build")
    );
    assert!(
        dockerfile.contains("COPY build.gradle.kts settings.gradle.kts ./"),
        "{dockerfile}"
    );
    insta::assert_snapshot!(dockerfile);
}

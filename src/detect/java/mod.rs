//! Java services built with Maven, Gradle or plain javac: the artifact the build declares
//! (a Spring Boot, shaded or assembly jar, Gradle's installDist start script, or a plain
//! jar run with its dependencies on the classpath), where it listens, the Java release.

mod detector;
mod gradle;
mod javac;
mod maven;

pub(crate) use detector::{DETECTOR, Java};

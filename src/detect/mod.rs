//! Working out a service's language, framework, version and start command from its files.

pub mod detection;
pub mod error;
pub mod go;
pub mod java;
pub mod javac;
pub mod node;
pub mod python;
pub mod rust;
pub mod version;

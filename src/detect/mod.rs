//! Working out a service's language, framework, version and start command from its files.

pub(crate) mod detection;
pub(crate) mod detector;
pub(crate) mod error;
pub(crate) mod go;
pub(crate) mod java;
pub(crate) mod language;
pub(crate) mod listen;
pub(crate) mod node;
pub(crate) mod python;
pub(crate) mod rust;
pub(crate) mod source;
pub(crate) mod version;

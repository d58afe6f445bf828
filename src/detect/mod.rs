//! Working out a service's language, framework, version and start command from its files.

pub mod detection;
pub mod error;

//! Python services: package manager by lockfile, framework by the code's imports among
//! its dependencies, the app object, factory or `__main__` script wherever it is, native
//! parts to compile, the version by pin or version file.

mod app;
mod detector;
mod manager;
mod native;
mod project;
mod script;
mod version;

pub(crate) use detector::{DETECTOR, Python};

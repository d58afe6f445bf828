//! Python services: package manager by lockfile, framework by dependencies and files,
//! the WSGI/ASGI app by scanning the usual modules, the version by pin or version file.

mod app;
mod detector;
mod manager;
mod project;
mod version;

pub(crate) use detector::{DETECTOR, Python};

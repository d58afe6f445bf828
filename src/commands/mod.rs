//! One function per subcommand: the only glue between settings, core and engine.

pub mod config;
pub mod dockerfile;
pub mod doctor;
pub mod eject;
pub mod project;
pub mod schema;

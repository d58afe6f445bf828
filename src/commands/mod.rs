//! One function per subcommand: the only glue between settings, core and engine.

pub mod build;
pub mod config;
pub mod dockerfile;
pub mod doctor;
pub mod down;
pub mod eject;
pub mod exec;
pub mod init;
pub mod logs;
pub mod new;
pub mod plan;
pub mod project;
pub mod ps;
pub mod restart;
pub mod schema;
pub mod session;
pub mod up;

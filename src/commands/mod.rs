//! One function per subcommand: the only glue between settings, core and engine.

pub(crate) mod build;
pub(crate) mod completion;
pub(crate) mod config;
pub(crate) mod deploy;
pub(crate) mod dockerfile;
pub(crate) mod doctor;
pub(crate) mod down;
pub(crate) mod eject;
pub(crate) mod exec;
pub(crate) mod export;
pub(crate) mod init;
pub(crate) mod logs;
pub(crate) mod new;
pub(crate) mod plan;
pub(crate) mod project;
pub(crate) mod ps;
pub(crate) mod push;
pub(crate) mod restart;
pub(crate) mod schema;
pub(crate) mod session;
pub(crate) mod up;
pub(crate) mod watch;

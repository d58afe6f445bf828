//! Checking one service entry of stack.yaml, one file per part of it.

pub(crate) mod build;
pub(crate) mod command;
pub(crate) mod env;
pub(crate) mod health;
pub(crate) mod language;
pub(crate) mod service;
pub(crate) mod source;
pub(crate) mod volumes;
pub(crate) mod watch;

//! The only part of stack that talks to Docker.

pub(crate) mod build;
pub(crate) mod client;
pub(crate) mod container;
pub(crate) mod down;
pub(crate) mod endpoint;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod health;
pub(crate) mod listening;
pub(crate) mod lock;
pub(crate) mod logs;
pub(crate) mod network;
pub(crate) mod observe;
pub(crate) mod probe_error;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod ready;
pub(crate) mod stand_in;
pub(crate) mod supervise;
pub(crate) mod swarm;
pub(crate) mod sync;
pub(crate) mod tracker;
pub(crate) mod undo;
pub(crate) mod up;
pub(crate) mod volume;

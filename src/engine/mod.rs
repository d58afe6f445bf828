//! The only part of stack that talks to Docker.

pub mod build;
pub mod client;
pub mod container;
pub mod down;
pub mod endpoint;
pub mod error;
pub mod exec;
pub mod health;
pub mod logs;
pub mod network;
pub mod observe;
pub mod pull;
pub mod up;
pub mod volume;

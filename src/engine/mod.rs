//! The only part of stack that talks to Docker.

pub mod build;
pub mod client;
pub mod container;
pub mod endpoint;
pub mod error;
pub mod health;
pub mod network;
pub mod up;
pub mod volume;

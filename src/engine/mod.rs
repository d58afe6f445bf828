//! The only part of stack that talks to Docker.

pub mod client;
pub mod endpoint;
pub mod error;

//! Rust services: the binary from Cargo.toml (a single crate or a workspace member), the
//! placeholder sources its dependency layer needs (`targets.rs`), where it listens, the
//! toolchain; a crate built for WebAssembly is refused.

mod detector;
mod targets;

pub(crate) use detector::{DEFAULT_VERSION, DETECTOR, Rust, minor};
pub(crate) use targets::binaries;

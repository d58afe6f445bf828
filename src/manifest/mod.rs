//! stack.yaml: located, parsed into a raw serde model, interpolated, validated into nouns.

pub mod error;
pub mod gateway;
pub mod health;
pub mod load;
pub mod locate;
pub mod project;
pub mod schema;
pub mod service;
pub mod volume;

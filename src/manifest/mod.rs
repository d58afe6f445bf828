//! stack.yaml: located, parsed into a raw serde model, interpolated, validated into nouns.

pub mod checker;
pub mod edit;
pub mod error;
pub mod gateway;
pub mod health;
pub mod interpolate;
pub mod load;
pub mod locate;
pub mod located;
pub mod project;
pub mod raw;
pub mod schema;
pub mod section;
pub mod service;
pub mod table;
pub mod validate;
pub mod validate_service;
pub mod value;
pub mod volume;

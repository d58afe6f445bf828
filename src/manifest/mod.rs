//! stack.yaml: located, parsed into a raw serde model, interpolated, validated into nouns.

pub(crate) mod check;
pub(crate) mod checker;
pub(crate) mod compose;
pub(crate) mod diagnostic;
pub(crate) mod dotenv;
pub(crate) mod edit;
pub(crate) mod error;
#[cfg(test)]
mod fuzz;
pub(crate) mod gateway;
pub(crate) mod health;
pub(crate) mod interpolate;
pub(crate) mod list;
pub(crate) mod load;
pub(crate) mod locate;
pub(crate) mod located;
pub(crate) mod merge;
pub(crate) mod problems;
pub(crate) mod project;
pub(crate) mod raw;
pub(crate) mod read;
pub(crate) mod recipe;
pub(crate) mod schema;
pub(crate) mod section;
pub(crate) mod service;
pub(crate) mod suggest;
pub(crate) mod table;
pub(crate) mod validate;
pub(crate) mod value;
pub(crate) mod volume;
pub(crate) mod watch;
pub(crate) mod yaml;

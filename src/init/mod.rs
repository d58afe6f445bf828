//! `stack init`: find the services of an existing repository and draft its stack.yaml.

pub(crate) mod compose;
pub(crate) mod draft;
pub(crate) mod health;
pub(crate) mod name;
pub(crate) mod survey;
pub(crate) mod walk;
pub(crate) mod yaml;

//! `stack init`: find the services of an existing repository and draft its stack.yaml.

pub mod compose;
pub mod draft;
pub mod health;
pub mod name;
pub mod survey;
pub mod walk;
pub mod yaml;

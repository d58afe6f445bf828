//! From a detected service to what the engine builds: the rendered Dockerfile and
//! `.dockerignore`, Docker's ignore rules, and the packed, hashed build context.

pub(crate) mod ca;
pub(crate) mod context;
pub(crate) mod dockerfile;
pub(crate) mod dockerignore;
pub(crate) mod secrets;
pub(crate) mod sources;
pub(crate) mod template;

#[cfg(test)]
mod tests;

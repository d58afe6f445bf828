//! `stack watch`: following the services' files and turning each batch of changes into
//! the smallest update that is correct for each service.

pub(crate) mod apply;
pub(crate) mod rules;
pub(crate) mod tree;
pub(crate) mod update;
pub(crate) mod watcher;

#[cfg(test)]
mod tests;

//! `stack ci`'s own parts: the command run on the host, and the report files.

pub(crate) mod host;
pub(crate) mod report;

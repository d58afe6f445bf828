//! The only writer to the terminal.

pub(crate) mod display;
pub(crate) mod printer;
pub(crate) mod progress;
pub(crate) mod prompt;
pub(crate) mod report;

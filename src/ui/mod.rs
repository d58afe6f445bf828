//! The only writer to the terminal.

pub(crate) mod display;
pub(crate) mod printer;
pub(crate) mod progress;
pub(crate) mod prompt;
pub(crate) mod report;
pub(crate) mod template;
pub(crate) mod terminal;

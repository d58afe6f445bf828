//! The only writer to the terminal.

pub mod printer;
pub mod progress;
pub mod prompt;
pub mod report;

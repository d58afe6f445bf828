//! Questions on the terminal (dialoguer), for commands that ask what the flags did not say.

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Input, Select};

use crate::error::Error;

/// Asks on stderr and reads the answer from the terminal.
pub(crate) struct Prompter {
    theme: Box<dyn Theme>,
}

impl Prompter {
    pub(crate) fn new(color: bool) -> Prompter {
        let theme: Box<dyn Theme> = if color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        Prompter { theme }
    }

    /// One of `items`, chosen with the arrow keys; its index.
    pub(crate) fn select(&self, question: &str, items: &[String]) -> Result<usize, Error> {
        Select::with_theme(self.theme.as_ref())
            .with_prompt(question)
            .items(items)
            .default(0)
            .interact_opt()
            .map_err(failed)?
            .ok_or_else(cancelled)
    }

    /// A line of text that `check` accepts; its message is shown until it does. Enter alone
    /// takes `default`, when there is one.
    pub(crate) fn text(
        &self,
        question: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<String, Error> {
        let mut input = Input::<String>::with_theme(self.theme.as_ref()).with_prompt(question);
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        input
            .validate_with(|answer: &String| check(answer.trim()))
            .interact_text()
            .map(|answer| answer.trim().to_string())
            .map_err(failed)
    }
}

fn failed(error: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(source) = error;
    Error::Io {
        action: "read the answer from",
        path: "the terminal".into(),
        source,
    }
}

fn cancelled() -> Error {
    Error::Usage {
        message: "cancelled: nothing was created".to_string(),
        hint: None,
    }
}

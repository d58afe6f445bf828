//! Commands written in the manifest (`command`, `health.cmd`) as argument lists.

use crate::manifest::checker::Checker;
use crate::manifest::located::Located;
use crate::manifest::value::Value;

/// Characters that make a command string need a shell.
const SHELL_OPERATORS: &[&str] = &["&&", "||", "|", ";", ">", "<", "$(", "`", "*"];

/// A command: a list of arguments, or a string split like a shell would. Strings with shell
/// operators run under `sh -c`, as users who write them expect.
pub(crate) fn check_command(
    checker: &mut Checker<'_>,
    value: &Located<Value>,
    field: &str,
) -> Option<Vec<String>> {
    let argv = match &value.value {
        Value::List(_) => checker
            .texts(value, field)?
            .into_iter()
            .map(|t| t.value)
            .collect(),
        // `text` reports anything that is not a single value.
        Value::Null | Value::Text(_) | Value::Literal(_) | Value::Map(_) => {
            let text = checker.text(value, field)?;
            if SHELL_OPERATORS.iter().any(|op| text.value.contains(op)) {
                vec!["sh".to_string(), "-c".to_string(), text.value]
            } else {
                match shell_words::split(&text.value) {
                    Ok(words) => words,
                    Err(_) => {
                        checker.error(
                            text.pos,
                            format!("`{field}` has an unclosed quote"),
                            Some("close the quote, or give the arguments as a list".to_string()),
                        );
                        return None;
                    }
                }
            }
        }
    };
    if argv.is_empty() {
        checker.error(
            value.pos,
            format!("`{field}` is empty"),
            Some("give the program to run and its arguments".to_string()),
        );
        return None;
    }
    Some(argv)
}

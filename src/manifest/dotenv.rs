//! `.env` files (`KEY=value` lines, as Compose reads them), parsed with dotenvy from bytes
//! already read, with the line of the first bad entry.

use crate::manifest::diagnostic::line_column;

/// Where and why a `.env` file could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnvProblem {
    /// 1-based line and column of the problem in the file.
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// The `KEY=value` pairs of a `.env` file's `bytes`, in order.
pub(crate) fn parse_dotenv(bytes: &[u8]) -> Result<Vec<(String, String)>, EnvProblem> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let (line, column) = line_column(bytes, error.valid_up_to());
        EnvProblem {
            line,
            column,
            message: format!("byte {} is not valid UTF-8", error.valid_up_to()),
        }
    })?;
    let mut pairs = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(pair) => pairs.push(pair),
            Err(dotenvy::Error::LineParse(entry, index)) => {
                // dotenvy gives the entry's text, not its line. The first place that text
                // appears is the failing one: an identical entry earlier would have failed
                // there first.
                let start = text.find(entry.as_str()).unwrap_or(0);
                // An unclosed quote fails past the entry's last line break: point at its end.
                let within = entry.trim_end_matches(['\n', '\r']);
                let offset = start
                    + within
                        .char_indices()
                        .nth(index)
                        .map_or(within.len(), |(i, _)| i);
                let (line, column) = line_column(bytes, offset);
                return Err(EnvProblem {
                    line,
                    column,
                    message: "not a `KEY=value` line".to_string(),
                });
            }
            Err(other) => {
                return Err(EnvProblem {
                    line: 1,
                    column: 1,
                    message: other.to_string(),
                });
            }
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::{EnvProblem, parse_dotenv};

    #[test]
    fn pairs_in_order_with_quotes_and_comments() {
        let pairs = parse_dotenv(b"# c\nA=1\nexport B=\"two words\"\n\nC='x'\n").expect("valid");
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, [("A", "1"), ("B", "two words"), ("C", "x")]);
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let problem = parse_dotenv(b"A=1\nB=2\nnot a pair\n").expect_err("invalid");
        assert_eq!(
            (problem.line, problem.message.as_str()),
            (3, "not a `KEY=value` line")
        );
        let problem = parse_dotenv(b"A=1\nB=2\n\"unclosed\n").expect_err("invalid");
        assert_eq!(problem.line, 3);
        let problem = parse_dotenv(b"A=1\nB=\xff\n").expect_err("invalid");
        assert_eq!(
            problem,
            EnvProblem {
                line: 2,
                column: 3,
                message: "byte 6 is not valid UTF-8".to_string()
            }
        );
    }
}

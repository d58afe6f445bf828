//! The redis check: `PING`, answered `+PONG`.
//!
//! Written here rather than with the `redis` crate: one command and one reply line do not
//! need a client with connection pools and a type system for replies.
//!
//! Decided: `-NOAUTH` (and `-NOPERM`) count as healthy. The server has loaded its data and
//! takes commands; it only wants the password that the services using it send, and which
//! stack's check does not know. Errors that mean "not yet" (`-LOADING`, `-BUSY`,
//! `-MASTERDOWN`, `-TRYAGAIN`) do not count.

use crate::engine::probe::wire::Wire;
use crate::engine::probe_error::ProbeError;

/// `PING` as a RESP array, which every server since 1.2 reads.
const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";
/// The longest reply line read: protected mode's explanation is about 900 bytes.
const LINE_LIMIT: usize = 2048;

pub(crate) async fn probe(address: &str, what: String) -> Result<(), ProbeError> {
    let mut wire = Wire::connect(address, what, "redis").await?;
    wire.send(PING).await?;
    let first = wire.read_exact(1).await?;
    if !matches!(first[0], b'+' | b'-') {
        return Err(wire.not_the_protocol(&first).await);
    }
    let rest = wire.read_line(LINE_LIMIT).await?;
    let line = String::from_utf8_lossy(&rest).trim_end().to_string();
    let what = wire.what().to_string();
    match classify(first[0], &line) {
        Reply::Up => Ok(()),
        Reply::NotReady => Err(ProbeError::NotReady {
            what,
            answer: format!("`-{line}`"),
        }),
        Reply::Denied => Err(ProbeError::Denied {
            what,
            answer: format!("`-{}`", first_sentence(&line)),
        }),
        Reply::Error => Err(ProbeError::Answered {
            what,
            answer: format!("`-{line}`"),
        }),
        Reply::Other => Err(ProbeError::Answered {
            what,
            answer: format!("`+{line}` instead of `+PONG`"),
        }),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Up,
    /// Loading its data set, running a script, or a replica without its primary.
    NotReady,
    /// Protected mode: no password set, and the probe comes from outside the container.
    Denied,
    /// Another error (a renamed PING, too many clients).
    Error,
    /// A status other than PONG.
    Other,
}

/// `kind` is `+` or `-`, `line` the rest of the reply line.
fn classify(kind: u8, line: &str) -> Reply {
    let code = line.split_whitespace().next().unwrap_or_default();
    match (kind, code) {
        (b'+', "PONG") => Reply::Up,
        (b'+', _) => Reply::Other,
        (_, "NOAUTH" | "NOPERM") => Reply::Up,
        (_, "LOADING" | "BUSY" | "MASTERDOWN" | "TRYAGAIN") => Reply::NotReady,
        (_, "DENIED") => Reply::Denied,
        _ => Reply::Error,
    }
}

/// Protected mode explains itself in a paragraph; its first sentence says what happened.
fn first_sentence(line: &str) -> &str {
    line.find(". ").map_or(line, |end| &line[..=end])
}

#[cfg(test)]
mod tests {
    use super::{Reply, classify, first_sentence};

    #[test]
    fn replies_are_classified() {
        assert_eq!(classify(b'+', "PONG"), Reply::Up);
        assert_eq!(classify(b'-', "NOAUTH Authentication required."), Reply::Up);
        assert_eq!(
            classify(b'-', "LOADING Redis is loading the dataset in memory"),
            Reply::NotReady
        );
        assert_eq!(
            classify(
                b'-',
                "DENIED Redis is running in protected mode because protected mode is enabled. If you want"
            ),
            Reply::Denied
        );
        assert_eq!(classify(b'-', "ERR unknown command 'PING'"), Reply::Error);
        assert_eq!(classify(b'+', "OK"), Reply::Other);
        assert_eq!(
            first_sentence(
                "DENIED Redis is running in protected mode because protected mode is enabled. If you want to connect"
            ),
            "DENIED Redis is running in protected mode because protected mode is enabled."
        );
    }
}

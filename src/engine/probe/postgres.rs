//! The postgres check: a StartupMessage, classified the way `pg_isready` classifies the
//! server's first answer (libpq's `PQping`).
//!
//! Written here rather than with a client crate: tokio-postgres would log in (it needs the
//! password, and a failed login is not a server that is down), and the two messages
//! involved are a few lines each.

use crate::engine::probe::wire::{MAX_ANSWER, Wire, be_u32};
use crate::engine::probe_error::ProbeError;

/// Protocol 3.0, the only one servers since 7.4 speak.
const PROTOCOL_3_0: u32 = 196_608;
/// SQLSTATE `cannot_connect_now`: starting up, shutting down or in recovery. pg_isready's
/// only "rejecting connections" (exit 1); every other error means the server is up.
const CANNOT_CONNECT_NOW: &str = "57P03";

pub(crate) async fn probe(address: &str, user: &str, what: String) -> Result<(), ProbeError> {
    let mut wire = Wire::connect(address, what, "PostgreSQL").await?;
    wire.send(&startup_message(user)).await?;
    let head = wire.read_exact(5).await?;
    let length = be_u32(&head, 1).and_then(|n| usize::try_from(n).ok());
    let length = match (head[0], length) {
        (b'R' | b'E' | b'v', Some(length)) if (4..=MAX_ANSWER).contains(&length) => length,
        _ => return Err(wire.not_the_protocol(&head).await),
    };
    let body = wire.read_exact(length - 4).await?;
    match classify(head[0], &body) {
        Answer::Up => Ok(()),
        Answer::NotReady(answer) => Err(ProbeError::NotReady {
            what: wire.what().to_string(),
            answer,
        }),
        Answer::Foreign => {
            let mut all = head;
            all.extend_from_slice(&body);
            Err(wire.not_the_protocol(&all).await)
        }
    }
}

/// A StartupMessage for `user` on the `postgres` database, which every cluster has: an
/// error about a missing database would count as "up" anyway, but would fill the log.
fn startup_message(user: &str) -> Vec<u8> {
    let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
    for (key, value) in [
        ("user", user),
        ("database", "postgres"),
        ("application_name", "stack-health"),
    ] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let length = u32::try_from(body.len() + 4).expect("a startup message is small");
    let mut message = length.to_be_bytes().to_vec();
    message.extend_from_slice(&body);
    message
}

/// What the server's first message says.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// An authentication request, a protocol negotiation, or an error other than 57P03.
    Up,
    /// Starting up, shutting down or recovering: the server's message and code.
    NotReady(String),
    /// Not what a PostgreSQL server sends.
    Foreign,
}

/// `kind` is the message type (`R`, `E`, `v`), `body` what follows its length.
fn classify(kind: u8, body: &[u8]) -> Answer {
    match kind {
        // AuthenticationOk, a password or SASL request: it is taking logins. (The probe
        // then hangs up; the server does not log a client that leaves during
        // authentication.)
        b'R' if body.len() >= 4 => Answer::Up,
        // NegotiateProtocolVersion: it answers, in a newer minor version.
        b'v' => Answer::Up,
        b'E' => match error_fields(body) {
            Some(fields) => {
                let field = |code: u8| {
                    fields
                        .iter()
                        .find(|(c, _)| *c == code)
                        .map(|(_, text)| text.as_str())
                };
                match (field(b'C'), field(b'M')) {
                    (Some(CANNOT_CONNECT_NOW), message) => Answer::NotReady(format!(
                        "{} ({CANNOT_CONNECT_NOW})",
                        message.unwrap_or("cannot connect now")
                    )),
                    (Some(_), _) => Answer::Up,
                    (None, _) => Answer::Foreign,
                }
            }
            None => Answer::Foreign,
        },
        _ => Answer::Foreign,
    }
}

/// An ErrorResponse's fields: a code byte and a NUL-terminated text each, then a NUL.
fn error_fields(body: &[u8]) -> Option<Vec<(u8, String)>> {
    let mut fields = Vec::new();
    let mut rest = body;
    loop {
        let (&code, after) = rest.split_first()?;
        if code == 0 {
            return Some(fields);
        }
        let end = after.iter().position(|b| *b == 0)?;
        fields.push((code, String::from_utf8_lossy(&after[..end]).into_owned()));
        rest = &after[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::{Answer, classify, startup_message};

    /// An ErrorResponse body as a server sends it.
    fn error(code: &str, message: &str) -> Vec<u8> {
        let mut body = Vec::new();
        for (field, text) in [
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', code),
            (b'M', message),
        ] {
            body.push(field);
            body.extend_from_slice(text.as_bytes());
            body.push(0);
        }
        body.push(0);
        body
    }

    #[test]
    fn the_startup_message_is_protocol_3_with_user_and_database() {
        let message = startup_message("app");
        assert_eq!(
            message,
            b"\x00\x00\x00\x42\x00\x03\x00\x00user\x00app\x00database\x00postgres\x00application_name\x00stack-health\x00\x00"
        );
        assert_eq!(message.len(), 0x42);
    }

    #[test]
    fn answers_are_classified_as_pg_isready_does() {
        // AuthenticationSASL with SCRAM-SHA-256, AuthenticationOk (trust).
        assert_eq!(
            classify(b'R', b"\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00"),
            Answer::Up
        );
        assert_eq!(classify(b'R', b"\x00\x00\x00\x00"), Answer::Up);
        // A role or database that does not exist: the server is up (pg_isready exit 0).
        assert_eq!(
            classify(b'E', &error("28000", "role \"x\" does not exist")),
            Answer::Up
        );
        assert_eq!(
            classify(b'E', &error("57P03", "the database system is starting up")),
            Answer::NotReady("the database system is starting up (57P03)".to_string())
        );
        assert_eq!(classify(b'E', b"no fields"), Answer::Foreign);
        assert_eq!(classify(b'E', b"Mno code\x00\x00"), Answer::Foreign);
        assert_eq!(classify(b'Z', b"I"), Answer::Foreign);
    }
}

//! The amqp check: the AMQP 0-9-1 protocol header, answered by the broker's
//! `Connection.Start` (RabbitMQ, LavinMQ, Qpid's 0-9-1 listener).
//!
//! Written here rather than with `lapin` or `amq-protocol`: the check reads one frame's
//! header and two ids of its method; a client would also negotiate, log in and open a
//! channel, and log a failed login on the broker.

use crate::engine::probe::wire::{MAX_ANSWER, Wire, be_u16, be_u32};
use crate::engine::probe_error::ProbeError;

/// `AMQP`, protocol id 0, version 0-9-1.
const HEADER: &[u8; 8] = b"AMQP\x00\x00\x09\x01";
const FRAME_METHOD: u8 = 1;
const FRAME_END: u8 = 0xce;
/// Class `connection`, methods `start` and `close`.
const CONNECTION: u16 = 10;
const START: u16 = 10;
const CLOSE: u16 = 50;

pub(crate) async fn probe(address: &str, what: String) -> Result<(), ProbeError> {
    let mut wire = Wire::connect(address, what, "AMQP 0-9-1").await?;
    wire.send(HEADER).await?;
    // A frame header: type, channel, payload size.
    let head = wire.read_exact(7).await?;
    if head.starts_with(b"AMQP") {
        // The broker's own header: it speaks another version, and closes.
        let mut header = head;
        header.extend(wire.read_exact(1).await.unwrap_or_default());
        return Err(ProbeError::WrongProtocol {
            what: wire.what().to_string(),
            protocol: "AMQP 0-9-1",
            answer: other_version(&header),
        });
    }
    let size = be_u32(&head, 3).and_then(|n| usize::try_from(n).ok());
    let size = match size {
        Some(size) if head[0] == FRAME_METHOD && head[1..3] == [0, 0] && size <= MAX_ANSWER => size,
        _ => return Err(wire.not_the_protocol(&head).await),
    };
    let payload = wire.read_exact(size + 1).await?;
    match method(&payload) {
        Some((CONNECTION, START)) => Ok(()),
        Some((CONNECTION, CLOSE)) => Err(ProbeError::Answered {
            what: wire.what().to_string(),
            answer: format!("Connection.Close ({})", close_reason(&payload)),
        }),
        _ => {
            let mut all = head;
            all.extend_from_slice(&payload);
            Err(wire.not_the_protocol(&all).await)
        }
    }
}

/// The class and method ids of a method frame's payload (with its frame-end octet).
fn method(payload: &[u8]) -> Option<(u16, u16)> {
    if payload.last() != Some(&FRAME_END) {
        return None;
    }
    Some((be_u16(payload, 0)?, be_u16(payload, 2)?))
}

/// `Connection.Close`'s reply code and text.
fn close_reason(payload: &[u8]) -> String {
    let code = be_u16(payload, 4).unwrap_or_default();
    let text = payload
        .get(6)
        .and_then(|len| payload.get(7..7 + usize::from(*len)))
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    format!("{code} {text}")
}

/// The version a broker's own protocol header names: `AMQP 1.0.0`.
fn other_version(header: &[u8]) -> String {
    match header {
        [b'A', b'M', b'Q', b'P', id, major, minor, revision] => {
            let id = if *id == 0 {
                String::new()
            } else {
                format!(" (protocol id {id})")
            };
            format!("its own protocol header, for AMQP {major}.{minor}.{revision}{id}")
        }
        _ => "an AMQP protocol header for another version".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{close_reason, method, other_version};

    #[test]
    fn the_first_frame_says_what_the_broker_answered() {
        // Connection.Start, version 0-9, empty properties, mechanisms and locales.
        let start = b"\x00\x0a\x00\x0a\x00\x09\x00\x00\x00\x00\x00\x00\x00\x05PLAIN\x00\x00\x00\x05en_US\xce";
        assert_eq!(method(start), Some((10, 10)));
        assert_eq!(method(b"\x00\x0a\x00\x0a"), None, "no frame end");
        let close = b"\x00\x0a\x00\x32\x01\x40\x0eACCESS_REFUSED\x00\x0a\x00\x0a\xce";
        assert_eq!(method(close), Some((10, 50)));
        assert_eq!(close_reason(close), "320 ACCESS_REFUSED");
        assert_eq!(
            other_version(b"AMQP\x00\x01\x00\x00"),
            "its own protocol header, for AMQP 1.0.0"
        );
        assert_eq!(
            other_version(b"AMQP\x03\x01\x00\x00"),
            "its own protocol header, for AMQP 1.0.0 (protocol id 3)"
        );
    }
}

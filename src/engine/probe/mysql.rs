//! The mysql check (MySQL and MariaDB): the handshake packet a server sends as soon as a
//! client connects.
//!
//! Written here rather than with a client crate: the check only reads the first packet;
//! `mysql_async` would log in, which needs credentials and fills the server's log with
//! failed attempts.
//!
//! Like `mysqladmin ping`, an error packet in place of the handshake (too many
//! connections, a host not allowed) counts as up: the server is running and answering,
//! and whom it lets in is its configuration, not its readiness. The official images run
//! their initialisation with networking off, so the port answers only once it is done.

use crate::engine::probe::wire::Wire;
use crate::engine::probe_error::ProbeError;

/// The handshake packet's protocol version: 10 since MySQL 3.21; 9 before.
const PROTOCOL_10: u8 = 10;
const PROTOCOL_9: u8 = 9;
/// An ERR packet's first byte.
const ERR: u8 = 0xff;
/// The longest first packet believed: a handshake is under a hundred bytes.
const MAX_PACKET: usize = 4096;

pub(crate) async fn probe(address: &str, what: String) -> Result<(), ProbeError> {
    let mut wire = Wire::connect(address, what, "MySQL").await?;
    // Packet header: a 3-byte little-endian length and the sequence number, 0 here.
    let head = wire.read_exact(4).await?;
    let length = usize::from(head[0]) | usize::from(head[1]) << 8 | usize::from(head[2]) << 16;
    if head[3] != 0 || length == 0 || length > MAX_PACKET {
        return Err(wire.not_the_protocol(&head).await);
    }
    let payload = wire.read_exact(length).await?;
    if is_greeting(&payload) {
        Ok(())
    } else {
        let mut all = head;
        all.extend_from_slice(&payload);
        Err(wire.not_the_protocol(&all).await)
    }
}

/// A handshake (protocol 10 or 9, with its NUL-terminated server version) or an ERR
/// packet (code, then the message).
fn is_greeting(payload: &[u8]) -> bool {
    match payload.split_first() {
        Some((&(PROTOCOL_10 | PROTOCOL_9), rest)) => rest.contains(&0),
        Some((&ERR, rest)) => rest.len() >= 2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_greeting;

    #[test]
    fn a_handshake_or_an_error_packet_is_a_server() {
        assert!(is_greeting(
            b"\x0a11.8.3-MariaDB-0+deb13u1\x00\x05\x00\x00\x00abcdefgh\x00"
        ));
        // 1040 Too many connections.
        assert!(is_greeting(b"\xff\x10\x04Too many connections"));
        assert!(!is_greeting(b"\x0ano terminator"));
        assert!(!is_greeting(b"HTTP/1.1 400"));
        assert!(!is_greeting(b""));
    }
}

//! What the protocol probes share: a connection through the published port, answers read
//! to a known length, and what came back shown as text when it is not the protocol's.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::engine::probe_error::ProbeError;

/// The most an answer may claim to be before it is taken for another protocol: every first
/// answer the probes read (a handshake, an authentication request, a version list) is a few
/// hundred bytes to a few kilobytes.
pub(crate) const MAX_ANSWER: usize = 64 * 1024;

/// How much of a foreign answer is read to show it, and for how long after its first bytes.
const SHOWN_BYTES: usize = 96;
const SHOWN_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// A connection error: refused (nothing accepts) or closed on the way (reset).
pub(crate) fn not_connected(what: &str, error: &std::io::Error) -> ProbeError {
    let (what, detail) = (what.to_string(), error.to_string());
    if error.kind() == std::io::ErrorKind::ConnectionRefused {
        ProbeError::Refused { what, detail }
    } else {
        ProbeError::Closed { what, detail }
    }
}

/// One probe's connection, named by what the probe does (`redis PING to 127.0.0.1:49153`)
/// in every error it gives.
pub(crate) struct Wire {
    stream: TcpStream,
    what: String,
    /// The protocol the probe speaks, for "not a … answer".
    protocol: &'static str,
}

impl Wire {
    pub(crate) async fn connect(
        address: &str,
        what: String,
        protocol: &'static str,
    ) -> Result<Wire, ProbeError> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| not_connected(&what, &e))?;
        Ok(Wire {
            stream,
            what,
            protocol,
        })
    }

    pub(crate) fn what(&self) -> &str {
        &self.what
    }

    pub(crate) async fn send(&mut self, bytes: &[u8]) -> Result<(), ProbeError> {
        let what = &self.what;
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| not_connected(what, &e))
    }

    /// Exactly `n` bytes. A connection closed before any byte came is "closed without an
    /// answer" (the engine's port forwarding does that while nothing listens behind it); one
    /// closed midway sent something else than the protocol.
    pub(crate) async fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, ProbeError> {
        self.read_after(Vec::new(), n).await
    }

    /// `n` more bytes after `read`, which the protocol has already accepted.
    async fn read_after(&mut self, mut read: Vec<u8>, n: usize) -> Result<Vec<u8>, ProbeError> {
        let start = read.len();
        read.resize(start + n, 0);
        let mut filled = start;
        while filled < read.len() {
            let got = self
                .stream
                .read(&mut read[filled..])
                .await
                .map_err(|e| not_connected(&self.what, &e))?;
            if got == 0 {
                read.truncate(filled);
                return Err(if read.is_empty() {
                    ProbeError::Closed {
                        what: self.what.clone(),
                        detail: "connection closed without an answer".to_string(),
                    }
                } else {
                    self.wrong(&read)
                });
            }
            filled += got;
        }
        Ok(read)
    }

    /// Bytes up to and including the first `\n`, at most `limit` of them (a line is part of
    /// the protocol, so a longer one is not).
    pub(crate) async fn read_line(&mut self, limit: usize) -> Result<Vec<u8>, ProbeError> {
        let mut line = Vec::new();
        while !line.ends_with(b"\n") {
            if line.len() >= limit {
                return Err(self.wrong(&line));
            }
            line = self.read_after(line, 1).await?;
        }
        Ok(line)
    }

    /// "Not a … answer", showing the first line of what came back: `head` and whatever
    /// else arrives at once (a server greeting another protocol sends its line in one go).
    pub(crate) async fn not_the_protocol(mut self, head: &[u8]) -> ProbeError {
        let mut seen = head.to_vec();
        let mut buf = [0u8; SHOWN_BYTES];
        while seen.len() < SHOWN_BYTES && !seen.contains(&b'\n') {
            match tokio::time::timeout(SHOWN_WAIT, self.stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        self.wrong(&seen)
    }

    fn wrong(&self, answer: &[u8]) -> ProbeError {
        ProbeError::WrongProtocol {
            what: self.what.clone(),
            protocol: self.protocol,
            answer: format!("`{}`", shown(answer)),
        }
    }
}

/// The first line of an answer as text: printable ASCII as is, other bytes as `\xNN`, cut
/// at 60 characters.
pub(crate) fn shown(bytes: &[u8]) -> String {
    let line = bytes
        .iter()
        .position(|b| *b == b'\n' || *b == b'\r')
        .filter(|end| *end > 0)
        .map_or(bytes, |end| &bytes[..end]);
    let mut text = String::new();
    for byte in line {
        if text.len() >= 60 {
            text.push('…');
            break;
        }
        if byte.is_ascii_graphic() || *byte == b' ' {
            text.push(char::from(*byte));
        } else {
            text.push_str(&format!("\\x{byte:02x}"));
        }
    }
    text
}

/// A big-endian `u16` at `at`, when the bytes are there.
pub(crate) fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

/// A big-endian `u32` at `at`, when the bytes are there.
pub(crate) fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn answers_are_shown_as_their_first_line() {
        assert_eq!(
            shown(b"HTTP/1.0 400 Bad Request\r\nServer: x\r\n"),
            "HTTP/1.0 400 Bad Request"
        );
        assert_eq!(shown(b"\x00\x00\x00\x10R"), "\\x00\\x00\\x00\\x10R");
        assert_eq!(shown(b"\r\nrest"), "\\x0d\\x0arest");
        assert_eq!(shown(&[b'a'; 80]).chars().count(), 61);
    }
}

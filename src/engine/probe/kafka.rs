//! The kafka check: an `ApiVersions` round trip (version 3, what current clients send
//! first), answered by a broker that serves requests.
//!
//! Written here rather than with `kafka-protocol` or `rdkafka`: the first is every message
//! of the protocol generated as Rust, the second a C library; the check is one request of
//! forty bytes and the first fields of its answer.

use crate::engine::probe::wire::{MAX_ANSWER, Wire, be_u16, be_u32};
use crate::engine::probe_error::ProbeError;

const API_VERSIONS: i16 = 18;
const VERSION: i16 = 3;
const CORRELATION_ID: i32 = 0x7374_6b31;
const CLIENT_ID: &str = "stack-health";
/// The broker answers a version it does not support with this code and its own range, in
/// version 0's layout: a broker all the same.
const UNSUPPORTED_VERSION: i16 = 35;

pub(crate) async fn probe(address: &str, what: String) -> Result<(), ProbeError> {
    let mut wire = Wire::connect(address, what, "Kafka").await?;
    wire.send(&request()).await?;
    let head = wire.read_exact(4).await?;
    let size = be_u32(&head, 0).and_then(|n| usize::try_from(n).ok());
    let size = match size {
        Some(size) if (6..=MAX_ANSWER).contains(&size) => size,
        _ => return Err(wire.not_the_protocol(&head).await),
    };
    let response = wire.read_exact(size).await?;
    match read_response(&response) {
        Some(Response::Up) => Ok(()),
        Some(Response::Error(code)) => Err(ProbeError::Answered {
            what: wire.what().to_string(),
            answer: format!("error code {code}{}", error_name(code)),
        }),
        None => {
            let mut all = head;
            all.extend_from_slice(&response);
            Err(wire.not_the_protocol(&all).await)
        }
    }
}

/// The request with its size: header version 2 (client id as a plain nullable string, then
/// tagged fields), body version 3 (client software name and version as compact strings).
fn request() -> Vec<u8> {
    let mut message = Vec::new();
    message.extend_from_slice(&API_VERSIONS.to_be_bytes());
    message.extend_from_slice(&VERSION.to_be_bytes());
    message.extend_from_slice(&CORRELATION_ID.to_be_bytes());
    let client = u16::try_from(CLIENT_ID.len()).expect("a short client id");
    message.extend_from_slice(&client.to_be_bytes());
    message.extend_from_slice(CLIENT_ID.as_bytes());
    message.push(0); // no tagged fields in the header
    for text in ["stack", env!("CARGO_PKG_VERSION")] {
        // A compact string's length is an unsigned varint of length + 1: one byte here.
        let length = u8::try_from(text.len() + 1).expect("a short name");
        message.push(length);
        message.extend_from_slice(text.as_bytes());
    }
    message.push(0); // no tagged fields in the body
    let size = u32::try_from(message.len()).expect("a short request");
    let mut framed = size.to_be_bytes().to_vec();
    framed.extend_from_slice(&message);
    framed
}

#[derive(Debug, PartialEq, Eq)]
enum Response {
    /// Error code 0 with ApiVersions among the APIs, or the broker's "unsupported version"
    /// with its own range.
    Up,
    Error(i16),
}

/// The response after its size: correlation id (response header version 0, as
/// ApiVersions always uses), error code, then the API keys. `None`: not this exchange.
fn read_response(response: &[u8]) -> Option<Response> {
    if be_u32(response, 0)? != CORRELATION_ID.cast_unsigned() {
        return None;
    }
    let code = be_u16(response, 4)?.cast_signed();
    match code {
        0 => {
            // A compact array (its length + 1), then api key, min and max version and
            // tagged fields each.
            let (count, mut at) = uvarint(response, 6)?;
            let mut keys = Vec::new();
            for _ in 0..count.checked_sub(1)? {
                keys.push(be_u16(response, at)?.cast_signed());
                at = skip_tagged_fields(response, at + 6)?;
            }
            keys.contains(&API_VERSIONS).then_some(Response::Up)
        }
        UNSUPPORTED_VERSION => Some(Response::Up),
        code => Some(Response::Error(code)),
    }
}

/// An unsigned varint at `at`: its value and where the next field starts.
fn uvarint(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

/// Past a tagged-fields section at `at`: a count, then a tag, a size and data each.
fn skip_tagged_fields(bytes: &[u8], at: usize) -> Option<usize> {
    let (count, mut at) = uvarint(bytes, at)?;
    for _ in 0..count {
        let (_tag, after) = uvarint(bytes, at)?;
        let (size, after) = uvarint(bytes, after)?;
        at = after.checked_add(size)?;
    }
    (at <= bytes.len()).then_some(at)
}

/// The names of the errors a broker may give an ApiVersions request.
fn error_name(code: i16) -> &'static str {
    match code {
        -1 => " (UNKNOWN_SERVER_ERROR)",
        31 => " (CLUSTER_AUTHORIZATION_FAILED)",
        33 => " (UNSUPPORTED_SASL_MECHANISM)",
        34 => " (ILLEGAL_SASL_STATE)",
        42 => " (INVALID_REQUEST)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::{Response, read_response, request};

    #[test]
    fn the_request_is_api_versions_3_byte_for_byte() {
        let version = env!("CARGO_PKG_VERSION");
        let mut expected = Vec::new();
        expected.extend_from_slice(&[0, 18, 0, 3, 0x73, 0x74, 0x6b, 0x31, 0, 12]);
        expected.extend_from_slice(b"stack-health");
        expected.extend_from_slice(&[0, 6]);
        expected.extend_from_slice(b"stack");
        expected.push(u8::try_from(version.len() + 1).expect("short"));
        expected.extend_from_slice(version.as_bytes());
        expected.push(0);
        let size = u32::try_from(expected.len()).expect("short");
        expected.splice(0..0, size.to_be_bytes());
        assert_eq!(request(), expected);
    }

    #[test]
    fn responses_are_read_as_a_broker_writes_them() {
        // Correlation id, error 0, two APIs (Produce 0-11, ApiVersions 0-4), throttle
        // time, no tagged fields.
        let up = b"stk1\x00\x00\x03\x00\x00\x00\x00\x00\x0b\x00\x00\x12\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00";
        assert_eq!(read_response(up), Some(Response::Up));
        // Version 3 unsupported: error 35 and the broker's range in version 0's layout.
        let old = b"stk1\x00\x23\x00\x00\x00\x01\x00\x12\x00\x00\x00\x02";
        assert_eq!(read_response(old), Some(Response::Up));
        assert_eq!(
            read_response(b"stk1\xff\xff\x01\x00\x00\x00\x00\x00"),
            Some(Response::Error(-1))
        );
        // Another correlation id, or no ApiVersions among the APIs: not this exchange.
        assert_eq!(read_response(b"xxxx\x00\x00\x01\x00\x00\x00\x00\x00"), None);
        // A tagged field on an entry is skipped.
        let tagged = b"stk1\x00\x00\x02\x00\x12\x00\x00\x00\x04\x01\x05\x02ab\x00\x00\x00\x00\x00";
        assert_eq!(read_response(tagged), Some(Response::Up));
        assert_eq!(
            read_response(b"stk1\x00\x00\x02\x00\x00\x00\x00\x00\x0b\x00\x00\x00\x00\x00\x00"),
            None
        );
    }
}

//! The grpc check: `grpc.health.v1.Health/Check` over plaintext HTTP/2, with tonic and
//! tonic-health's generated client, the standard every gRPC implementation ships a
//! server for (grpcio-health-checking, grpc-go's health package, tonic-health).

use std::error::Error as _;

use tonic::Code;
use tonic::transport::Endpoint;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::engine::probe::wire::{Wire, not_connected};
use crate::engine::probe_error::ProbeError;

/// What the check speaks, for "the answer is not …".
const PROTOCOL: &str = "gRPC (HTTP/2)";

pub(crate) async fn probe(address: &str, service: &str, what: String) -> Result<(), ProbeError> {
    let endpoint =
        Endpoint::from_shared(format!("http://{address}")).map_err(|e| ProbeError::Closed {
            what: what.clone(),
            detail: e.to_string(),
        })?;
    let channel = match endpoint.connect().await {
        Ok(channel) => channel,
        Err(error) => {
            let cause = transport_error(what, &error);
            return Err(unread(address, cause).await);
        }
    };
    let request = HealthCheckRequest {
        service: service.to_string(),
    };
    let status = match HealthClient::new(channel).check(request).await {
        Ok(response) => match response.into_inner().status() {
            ServingStatus::Serving => return Ok(()),
            status => {
                return Err(ProbeError::NotReady {
                    what,
                    answer: status.as_str_name().to_string(),
                });
            }
        },
        Err(status) => status,
    };
    Err(match status.code() {
        Code::Unimplemented => ProbeError::NoHealthService {
            what,
            answer: answer(&status),
        },
        Code::NotFound => ProbeError::UnknownService {
            what,
            service: service.to_string(),
        },
        // tonic reports the transport's failures as statuses too, with their cause.
        _ => match status.source() {
            Some(cause) => {
                let cause = transport_error(what, cause);
                unread(address, cause).await
            }
            None => ProbeError::Answered {
                what,
                answer: answer(&status),
            },
        },
    })
}

/// `UNIMPLEMENTED: unknown service grpc.health.v1.Health`.
fn answer(status: &tonic::Status) -> String {
    match status.message() {
        "" => code_name(status.code()),
        message => format!("{}: {message}", code_name(status.code())),
    }
}

/// A connection that failed below gRPC, by its cause: refused or reset; the server ending
/// the connection; or (`Unread`) closed before an answer, or something HTTP/2 could not
/// read, which the second look in `unread` tells apart.
fn transport_error(what: String, error: &(dyn std::error::Error + 'static)) -> Transport {
    let mut cause = Some(error);
    let mut chain: Vec<String> = Vec::new();
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Transport::Failed(not_connected(&what, io));
        }
        if let Some(h2) = error.downcast_ref::<h2::Error>() {
            if let Some(io) = h2.get_io() {
                return Transport::Failed(not_connected(&what, io));
            }
            if h2.is_library() {
                return Transport::Unread {
                    what,
                    detail: h2.to_string(),
                };
            }
            return Transport::Failed(ProbeError::Closed {
                what,
                detail: format!("the server ended the HTTP/2 connection: {h2}"),
            });
        }
        // Closed before an answer: by the engine's port forwarding (nothing listens), or by
        // a server in another protocol that said its piece and hung up.
        if let Some(hyper) = error.downcast_ref::<hyper::Error>()
            && (hyper.is_canceled() || hyper.is_closed() || hyper.is_incomplete_message())
        {
            return Transport::Unread {
                what,
                detail: "connection closed".to_string(),
            };
        }
        let text = error.to_string();
        if !chain.contains(&text) {
            chain.push(text);
        }
        cause = error.source();
    }
    Transport::Failed(ProbeError::Closed {
        what,
        detail: chain.join(": "),
    })
}

/// Why the connection failed, worked out before anything else is awaited.
enum Transport {
    Failed(ProbeError),
    /// Closed without an answer HTTP/2 could read.
    Unread {
        what: String,
        detail: String,
    },
}

/// HTTP/2's client preface, which a server in another protocol answers in its own (an
/// HTTP/1 server with `400 Bad Request`).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The probe's error; for a connection closed without an answer HTTP/2 could read, what
/// the server says to an HTTP/2 preface on a second connection (made only once the first
/// failed): another protocol's greeting, or nothing.
async fn unread(address: &str, transport: Transport) -> ProbeError {
    let (what, detail) = match transport {
        Transport::Failed(error) => return error,
        Transport::Unread { what, detail } => (what, detail),
    };
    let unreadable = ProbeError::WrongProtocol {
        what: what.clone(),
        protocol: PROTOCOL,
        answer: format!("HTTP/2 could not read it ({detail})"),
    };
    let Ok(mut wire) = Wire::connect(address, what, PROTOCOL).await else {
        return unreadable;
    };
    if wire.send(PREFACE).await.is_err() {
        return unreadable;
    }
    match wire.read_exact(1).await {
        Ok(first) => wire.not_the_protocol(&first).await,
        Err(error @ (ProbeError::Closed { .. } | ProbeError::Refused { .. })) => error,
        Err(_) => unreadable,
    }
}

/// A code as gRPC names it: `NOT_FOUND`.
fn code_name(code: Code) -> String {
    let name = format!("{code:?}");
    let mut upper = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            upper.push('_');
        }
        upper.push(c.to_ascii_uppercase());
    }
    upper
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::code_name;

    #[test]
    fn codes_are_named_as_grpc_names_them() {
        assert_eq!(code_name(Code::NotFound), "NOT_FOUND");
        assert_eq!(code_name(Code::Unimplemented), "UNIMPLEMENTED");
        assert_eq!(code_name(Code::DeadlineExceeded), "DEADLINE_EXCEEDED");
    }
}

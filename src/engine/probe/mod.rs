//! The protocol checks, each from outside the container through the published port: the
//! first exchange of the protocol, as its own readiness tools judge it.

pub(crate) mod amqp;
pub(crate) mod grpc;
pub(crate) mod kafka;
pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod redis;
pub(crate) mod wire;

//! The optional nginx gateway that routes path prefixes to services.

use serde::Serialize;

/// One route: requests whose path starts with `prefix` go to `service`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    pub prefix: String,
    pub service: String,
}

/// The generated gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gateway {
    /// Port the gateway listens on, published on the host.
    pub port: u16,
    /// Routes, longest prefix first, so nginx and readers agree on precedence.
    pub routes: Vec<Route>,
}

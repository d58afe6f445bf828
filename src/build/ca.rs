//! The extra CA bundle generated builds trust: read from `--ca-cert` / `STACK_CA_CERT` and
//! the manifest's `ca_certificates`, and placed at the root of the build context.

use std::path::{Path, PathBuf};

use crate::build::context::Injected;
use crate::error::Error;
use crate::manifest::project::Manifest;

/// File name of the bundle in a generated build context; the templates install it.
pub(crate) const CA_FILE: &str = "stack-ca.crt";

/// The extra CA bundle: `--ca-cert` / `STACK_CA_CERT` files (relative to `cwd`), then the
/// manifest's `ca_certificates`. Empty when none is given.
pub(crate) fn ca_bundle(
    cwd: &Path,
    settings_certs: &[PathBuf],
    manifest: &Manifest,
) -> Result<Vec<u8>, Error> {
    let mut pem = Vec::new();
    let from_flags = settings_certs.iter().map(|path| cwd.join(path));
    for path in from_flags.chain(manifest.ca_certificates.iter().cloned()) {
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            action: "read the CA certificate",
            path: path.clone(),
            source,
        })?;
        pem.extend_from_slice(&bytes);
        if !pem.ends_with(b"\n") {
            pem.push(b'\n');
        }
    }
    Ok(pem)
}

/// What a generated build context gets besides its Dockerfile: the bundle, when there is one.
pub(crate) fn injected(ca_pem: &[u8]) -> Vec<Injected> {
    if ca_pem.is_empty() {
        Vec::new()
    } else {
        vec![Injected {
            path: CA_FILE.to_string(),
            contents: ca_pem.to_vec(),
        }]
    }
}

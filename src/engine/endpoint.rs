//! Where the Docker engine is: DOCKER_HOST, the docker CLI's current context, or a usual socket.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::engine::error::EngineError;

/// One address to try, and why we think the engine is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `unix:///var/run/docker.sock`, `tcp://host:2375`, …
    pub(crate) host: String,
    /// Human-readable origin: "DOCKER_HOST", "docker context `colima`", "default socket".
    pub(crate) origin: String,
}

/// The endpoints to try, in order. An explicit choice (DOCKER_HOST or a context) is the only
/// candidate, as with the docker CLI; otherwise every usual socket that exists on disk.
pub(crate) fn discover(env: &BTreeMap<String, String>) -> Result<Vec<Endpoint>, EngineError> {
    if let Some(host) = env.get("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return Ok(vec![Endpoint {
            host: host.clone(),
            origin: "DOCKER_HOST".to_string(),
        }]);
    }
    let home = env.get("HOME").map(PathBuf::from);
    let config_dir = env
        .get("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".docker")));
    if let Some(config_dir) = &config_dir {
        let context = env
            .get("DOCKER_CONTEXT")
            .cloned()
            .or_else(|| current_context(&config_dir.join("config.json")));
        if let Some(context) = context.filter(|c| c != "default" && !c.is_empty()) {
            let host = context_host(config_dir, &context)?;
            return Ok(vec![Endpoint {
                host,
                origin: format!("docker context `{context}`"),
            }]);
        }
    }
    Ok(socket_candidates(env, home.as_deref())
        .into_iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, origin)| Endpoint {
            host: format!("unix://{}", path.display()),
            origin: origin.to_string(),
        })
        .collect())
}

/// Every socket location the usual engines use, whether or not it exists.
pub(crate) fn socket_candidates(
    env: &BTreeMap<String, String>,
    home: Option<&Path>,
) -> Vec<(PathBuf, &'static str)> {
    let mut out = vec![(PathBuf::from("/var/run/docker.sock"), "default socket")];
    if let Some(runtime) = env.get("XDG_RUNTIME_DIR") {
        out.push((
            Path::new(runtime).join("docker.sock"),
            "rootless Docker socket",
        ));
    }
    if let Some(home) = home {
        out.push((
            home.join(".docker/run/docker.sock"),
            "Docker Desktop socket",
        ));
        out.push((
            home.join(".docker/desktop/docker.sock"),
            "Docker Desktop socket",
        ));
        out.push((home.join(".colima/default/docker.sock"), "Colima socket"));
        out.push((home.join(".orbstack/run/docker.sock"), "OrbStack socket"));
        out.push((home.join(".rd/docker.sock"), "Rancher Desktop socket"));
    }
    if let Some(runtime) = env.get("XDG_RUNTIME_DIR") {
        out.push((
            Path::new(runtime).join("podman/podman.sock"),
            "Podman socket",
        ));
    }
    out.push((PathBuf::from("/run/podman/podman.sock"), "Podman socket"));
    out
}

fn current_context(config: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("currentContext")?.as_str().map(str::to_string)
}

/// The docker CLI stores a context under `contexts/meta/<sha256 of its name>/meta.json`.
fn context_host(config_dir: &Path, context: &str) -> Result<String, EngineError> {
    let digest = Sha256::digest(context.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let path = config_dir.join("contexts/meta").join(hex).join("meta.json");
    let error = |reason: &str| EngineError::Context {
        context: context.to_string(),
        path: path.display().to_string(),
        reason: reason.to_string(),
    };
    let text = std::fs::read_to_string(&path).map_err(|_| error("the context does not exist"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| error("its meta.json is not valid JSON"))?;
    json.pointer("/Endpoints/docker/Host")
        .and_then(|h| h.as_str())
        .map(str::to_string)
        .ok_or_else(|| error("it has no docker endpoint"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::discover;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn docker_host_wins() {
        let found = discover(&env(&[("DOCKER_HOST", "tcp://10.0.0.1:2375")])).expect("no error");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].host, "tcp://10.0.0.1:2375");
        assert_eq!(found[0].origin, "DOCKER_HOST");
    }

    #[test]
    fn current_context_is_read_from_the_cli_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"colima"}"#,
        )
        .expect("write");
        let digest = {
            use sha2::{Digest, Sha256};
            Sha256::digest(b"colima")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let meta = dir.path().join("contexts/meta").join(digest);
        std::fs::create_dir_all(&meta).expect("mkdir");
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///home/u/.colima/default/docker.sock"}}}"#,
        )
        .expect("write");
        let found = discover(&env(&[(
            "DOCKER_CONFIG",
            dir.path().to_str().expect("utf-8"),
        )]))
        .expect("no error");
        assert_eq!(found[0].host, "unix:///home/u/.colima/default/docker.sock");
        assert_eq!(found[0].origin, "docker context `colima`");
    }

    #[test]
    fn a_missing_context_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = discover(&env(&[
            ("DOCKER_CONFIG", dir.path().to_str().expect("utf-8")),
            ("DOCKER_CONTEXT", "gone"),
        ]))
        .expect_err("context does not exist");
        assert!(err.to_string().contains("`gone`"), "{err}");
    }
}
